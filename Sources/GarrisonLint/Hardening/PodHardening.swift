import GarrisonCore
import GarrisonManifest

/// Pod-level hardening: service account token, shared process namespace, sensitive host paths, sysctls.
enum PodHardening {
  static let automountServiceAccountToken = HardeningCheck(id: "hardening.automountServiceAccountToken") { pod in
    guard pod.spec.automountServiceAccountToken != false else { return [] }
    return [
      HardeningHit(
        message: "the service account token is mounted (spec.automountServiceAccountToken is not false)", container: nil,
        image: nil, field: pod.specPath / "automountServiceAccountToken")
    ]
  }

  static let shareProcessNamespace = HardeningCheck(id: "hardening.shareProcessNamespace") { pod in
    guard pod.spec.shareProcessNamespace == true else { return [] }
    return [
      HardeningHit(
        message: "containers share one process namespace (spec.shareProcessNamespace=true)", container: nil, image: nil,
        field: pod.specPath / "shareProcessNamespace")
    ]
  }

  /// Host paths that give control of the node: exact paths and whole trees.
  static let sensitiveExact: Set<String> = ["/", "/var/run/docker.sock", "/run/docker.sock"]
  static let sensitiveTrees = ["/proc", "/etc", "/var/run/containerd", "/run/containerd"]

  /// `/a//b/./c/../d/` -> `/a/b/d`; relative paths are made absolute.
  static func normalize(_ path: String) -> String {
    var parts: [Substring] = []
    for p in path.split(separator: "/") {
      if p == "." || p.isEmpty { continue }
      if p == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(p)
    }
    return "/" + parts.joined(separator: "/")
  }

  static func isSensitive(_ path: String) -> Bool {
    let p = normalize(path)
    return sensitiveExact.contains(p) || sensitiveTrees.contains { p == $0 || p.hasPrefix($0 + "/") }
  }

  static let sensitiveHostPath = HardeningCheck(id: "hardening.sensitiveHostPath") { pod in
    pod.spec.volumes.enumerated().compactMap { i, v in
      guard let hp = v.hostPath, isSensitive(hp.path) else { return nil }
      return HardeningHit(
        message: "volume \"\(v.name)\" mounts the sensitive host path \(hp.path)", container: nil, image: nil,
        field: pod.specPath / "volumes" / i / "hostPath" / "path")
    }
  }

  static let unsafeSysctls = HardeningCheck(id: "hardening.unsafeSysctls") { pod in
    (pod.spec.securityContext?.sysctls ?? []).enumerated().compactMap { i, s in
      guard !SysctlsCheck.newest.contains(s.name) else { return nil }
      return HardeningHit(
        message: "sysctl \(s.name) is outside the safe set", container: nil, image: nil,
        field: pod.podSecurityContextPath / "sysctls" / i / "name")
    }
  }
}
