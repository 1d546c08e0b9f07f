#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel
import GarrisonLSMHost
import GarrisonOCI

/// Turns a container's compiled OCI config into the one written to its bundle: sandbox namespaces joined by
/// path, the overlay root, volume bind mounts, and the adjustments a given runtime needs.
public enum BundleSpec {
  /// A resolved volume mount: host source (volume dir, host path, or subPath bind) → container path.
  public struct VolumeBind: Sendable, Equatable {
    public var source: String
    public var destination: String
    public var readOnly: Bool
    /// A volume of data, never of programs (configMap, secret): always `nosuid,nodev,noexec`.
    public var dataOnly: Bool
    public init(source: String, destination: String, readOnly: Bool, dataOnly: Bool = false) {
      self.source = source
      self.destination = destination
      self.readOnly = readOnly
      self.dataOnly = dataOnly
    }
  }

  /// What `patch` changed that an operator should know (shown as pod events).
  public struct Notes: Sendable, Equatable {
    public var messages: [String] = []
    /// Removed settings as (mechanism, requested value), for `enforcement.fallback` audit events.
    public var removed: [(mechanism: String, requested: String)] = []
    public static func == (a: Notes, b: Notes) -> Bool {
      a.messages == b.messages && a.removed.map(\.mechanism) == b.removed.map(\.mechanism)
        && a.removed.map(\.requested) == b.removed.map(\.requested)
    }
  }

  /// Patches `spec`. `join` maps OCI namespace types to `/proc/<pid>/ns/*` paths; those entries are replaced
  /// by path entries (a fresh namespace would split the pod). For crun on a host without AppArmor/SELinux,
  /// profiles the manifest did not ask for (`explicit == false`) are removed; explicit ones are kept, and the
  /// runtime refuses the container (fail closed).
  public static func patch(
    _ spec: RuntimeSpec, join: [String: String], rootfs: String, binds: [VolumeBind], hostname: String?,
    container: ContainerRecord, runtime: RuntimeConfig, host: HostLSM
  ) -> (RuntimeSpec, Notes) {
    var s = spec
    var notes = Notes()
    s.root?.path = rootfs
    if var linux = s.linux {
      linux.namespaces = (linux.namespaces ?? []).map { ns in
        join[ns.type].map { RuntimeSpec.Namespace(type: ns.type, path: $0) } ?? ns
      }
      s.linux = linux
    }
    // A fresh UTS namespace gets the hostname from the config; a joined one (the sandbox's) already has it.
    let uts = s.linux?.namespaces?.first { $0.type == "uts" }
    if let hostname, let uts, uts.path == nil { s.hostname = hostname } else { s.hostname = nil }
    var mounts = s.mounts ?? []
    for b in binds {
      mounts.append(
        .init(
          destination: b.destination, type: "bind", source: b.source,
          options: ["rbind", "rprivate", b.readOnly ? "ro" : "rw"] + (b.dataOnly ? ["nosuid", "nodev", "noexec"] : [])))
    }
    s.mounts = mounts
    if runtime.isCrun {
      // crun 1.8 reads runtime-spec up to 1.1; Garrison's fields are all 1.1 fields.
      s.ociVersion = "1.1.0"
      if !host.appArmor, !container.appArmorExplicit, let p = s.process?.apparmorProfile {
        s.process?.apparmorProfile = nil
        notes.messages.append("apparmorProfile \(p) (a default, not in the manifest) removed for crun: this kernel has no AppArmor")
        notes.removed.append((mechanism: "apparmor", requested: p))
      }
      if !host.seLinuxEnabled, !container.seLinuxExplicit, s.process?.selinuxLabel != nil || s.linux?.mountLabel != nil {
        notes.removed.append((mechanism: "selinux", requested: s.process?.selinuxLabel ?? s.linux?.mountLabel ?? ""))
        s.process?.selinuxLabel = nil
        s.linux?.mountLabel = nil
        notes.messages.append("selinuxLabel/mountLabel (defaults, not in the manifest) removed for crun: this kernel has no SELinux")
      }
    }
    return (s, notes)
  }
}
