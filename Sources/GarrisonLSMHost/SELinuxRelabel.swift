import Glibc
import GarrisonCore
import GarrisonKernel

/// Which of a pod's files get the pod's SELinux file label, and the relabelling itself, as the kubelet and the
/// CRI runtimes do it.
///
/// emptyDir, configMap and secret volumes and each container's writable layer are the pod's own: they get
/// `<user>:object_r:container_file_t:<pod level>` (the plan's mount label). A hostPath volume is the node's:
/// Kubernetes never relabels it (a relabel of `/etc` would break the host), so a confined container reaches
/// it only where the host's labels allow (in practice, files the operator labelled `container_file_t` at the
/// right level, or `s0`). Privileged containers have no mount label: nothing of theirs is relabelled.
public enum SELinuxRelabel {
  /// The Kubernetes volume sources whose contents are the pod's own.
  public static let podOwnedVolumeKinds: Set<String> = ["emptyDir", "configMap", "secret"]

  /// The label a volume of `kind` (a Kubernetes volume source name) gets, or nil when it keeps its labels.
  public static func label(forVolumeKind kind: String, mountLabel: String?) -> String? {
    guard let mountLabel, !mountLabel.isEmpty, podOwnedVolumeKinds.contains(kind) else { return nil }
    return mountLabel
  }

  /// The `context="<label>"` mount option that labels a whole overlay or tmpfs mount (the writable layer).
  public static func contextOption(_ mountLabel: String?) -> String? {
    guard let mountLabel, !mountLabel.isEmpty, !mountLabel.contains("\"") else { return nil }
    return "context=\"\(mountLabel)\""
  }

  /// Labels `root` and everything under it with `label` (lsetfilecon: symbolic links are relabelled, never
  /// followed; the walk does not descend through them). `root` is a directory Garrison made for the pod.
  public static func relabel(tree root: String, to label: String) throws {
    func set(_ path: String) throws {
      do { try SELinuxLibrary.setFileContext(path: path, label) } catch {
        throw GarrisonError(.system, operation: "relabel", "cannot label \(path) \(label): \(error)", errno: error.rawValue)
      }
    }
    try set(root)
    var pending = [root]
    while let dir = pending.popLast() {
      for name in (try? FileIO.listDirectory(dir)) ?? [] {
        let path = dir + "/" + name
        try set(path)
        var st = stat()
        if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { pending.append(path) }
      }
    }
  }
}
