import GarrisonCore
import GarrisonManifest
import GarrisonPlan
import GarrisonCompiler

/// What the runtime would actually enforce for one container (`garrison lint --effective`), summarised
/// from the policy compiler's enforcement plan.
public struct EffectiveContainer: Codable, Sendable, Equatable {
  public var object: ObjectRef
  public var container: String
  public var role: ContainerRole
  public var location: SourceLocation
  /// `uid:gid`, with `?` when the UID comes from an image the compiler does not know.
  public var user: String
  public var noNewPrivileges: Bool
  /// Effective capabilities after exec.
  public var capabilities: [String]
  /// Seccomp mode and profile, e.g. `RuntimeDefault` or `Unconfined`.
  public var seccomp: String
  public var appArmor: String
  public var readOnlyRootFilesystem: Bool
  /// Host namespaces shared with the node (network, pid, ipc, ...).
  public var hostNamespaces: [String]
  public var planDigest: String?

  /// One line for text output.
  public var summary: String {
    var parts = [
      "user \(user)", "no_new_privs \(noNewPrivileges)",
      "caps " + (capabilities.isEmpty ? "none" : capabilities.joined(separator: ",")),
      "seccomp \(seccomp)", "apparmor \(appArmor)", "rootfs " + (readOnlyRootFilesystem ? "ro" : "rw"),
    ]
    if !hostNamespaces.isEmpty { parts.append("host " + hostNamespaces.joined(separator: ",")) }
    return parts.joined(separator: "; ")
  }
}

/// Compiles each pod with the policy compiler and summarises the plans; a pod the compiler refuses
/// becomes a `garrison.compileError` finding (the runtime would not start it).
public enum EffectivePlans {
  public static func compute(
    objects: [ManifestObject], compiler: PolicyCompiler
  ) -> (containers: [EffectiveContainer], findings: [Finding]) {
    var containers: [EffectiveContainer] = []
    var findings: [Finding] = []
    for o in objects where o.pod != nil {
      let ref = ObjectRef(kind: o.kind, namespace: o.namespace, name: o.name)
      do {
        for c in try compiler.compile(o) {
          let p = c.plan
          var host: [String] = []
          for (name, mode) in [
            ("network", p.namespaces.network), ("pid", p.namespaces.pid), ("ipc", p.namespaces.ipc), ("uts", p.namespaces.uts),
          ] where mode == .host {
            host.append(name)
          }
          containers.append(
            EffectiveContainer(
              object: ref, container: p.container.name, role: p.container.role, location: o.location(of: c.containerPath),
              user: "\(p.process.user.uidKnown ? String(p.process.user.uid) : "?"):\(p.process.user.gid)",
              noNewPrivileges: p.process.noNewPrivileges,
              capabilities: p.process.capabilitiesAfterExec.effective.members.map(\.name),
              seccomp: p.seccomp.mode.rawValue + (p.seccomp.profile.map { " (\($0))" } ?? ""),
              appArmor: p.appArmor.mode.rawValue + (p.appArmor.profileName.map { " (\($0))" } ?? ""),
              readOnlyRootFilesystem: p.filesystem.readOnlyRootFilesystem, hostNamespaces: host, planDigest: p.digest))
        }
      } catch let e as GarrisonError {
        findings.append(
          Finding(
            checkID: "garrison.compileError", severity: .error, object: ref, field: e.fieldPath,
            location: e.location ?? o.location, message: "the runtime would not run this pod: \(e.message)"))
      } catch {
        findings.append(
          Finding(
            checkID: "garrison.compileError", severity: .error, object: ref, location: o.location,
            message: "the runtime would not run this pod: \(error)"))
      }
    }
    return (containers, findings)
  }
}
