import Foundation

/// Reads a container cgroup's OOM-kill counter: cgroup v1 `memory.oom_control` (`oom_kill N`) or cgroup v2
/// `memory.events` (`oom_kill N`). Read before `delete`, which removes the cgroup.
public enum OOMProbe {
  /// The counter for cgroup path `cgroupsPath` (as in the OCI config), nil if no memory cgroup is found.
  public static func oomKills(cgroupsPath: String, cgroupRoot: String = "/sys/fs/cgroup") -> Int? {
    let candidates = [
      cgroupRoot + "/memory" + cgroupsPath + "/memory.oom_control",
      cgroupRoot + cgroupsPath + "/memory.events",
      cgroupRoot + "/unified" + cgroupsPath + "/memory.events",
    ]
    for file in candidates {
      guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
      for line in text.split(separator: "\n") {
        let f = line.split(separator: " ")
        if f.count == 2, f[0] == "oom_kill", let n = Int(f[1]) { return n }
      }
    }
    return nil
  }

  /// Removes a pod's cgroup directories (`/garrison/<uid>` and below) in every hierarchy; idempotent.
  public static func removeCgroups(parent: String, cgroupRoot: String = "/sys/fs/cgroup") {
    guard let hierarchies = try? FileManager.default.contentsOfDirectory(atPath: cgroupRoot) else { return }
    for h in hierarchies.sorted() {
      let base = "\(cgroupRoot)/\(h)\(parent)"
      guard FS.type(base) == S_IFDIR else { continue }
      let children = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
      for c in children where FS.type(base + "/" + c) == S_IFDIR { rmdir(base + "/" + c) }
      rmdir(base)
    }
  }
}
