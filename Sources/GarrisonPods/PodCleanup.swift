import Foundation
import GarrisonCore
import GarrisonKernel

/// Idempotent removal of everything a pod may have left behind, from the CLI (no reaper): used by `delete`
/// after the supervisor stopped, or after it was killed.
public enum PodCleanup {
  public static func run(record: PodRecord, status: PodStatus?, paths: PodPaths) throws {
    var errors: [String] = []
    // A supervisor that stopped every container and removed their runtime state itself leaves nothing for the
    // runtime; only mounts and cgroups are checked again (cheap, in-process). After a crash, everything is.
    if status?.tornDown != true {
      try stopLeftovers(record: record, status: status, paths: paths, errors: &errors)
    } else {
      do {
        try PodNetwork(config: record.network).releaseLeases(
          owner: PodNetwork.owner(root: paths.root, namespace: record.namespace, name: record.name))
      } catch {
        errors.append("network: \(error)")
      }
    }
    // Every mount under the pod directory, deepest first (also those a crashed supervisor did not record).
    for m in try mountsUnder(paths.directory) {
      do { try Mounts.unmount(m) } catch { errors.append("\(error)") }
    }
    do {
      try OOMProbe.removeCgroups(parent: "/garrison/\(record.uid)")
    } catch {
      errors.append("cgroups: \(error)")
    }
    if !errors.isEmpty {
      throw GarrisonError(
        .system, operation: "delete", "cleanup of \(record.namespace)/\(record.name) incomplete: " + errors.joined(separator: "; "))
    }
  }

  /// After a supervisor that did not finish its teardown: kills and deletes the runtime's containers (in
  /// parallel), waits for their processes, kills the sandbox, releases the network.
  static func stopLeftovers(record: PodRecord, status: PodStatus?, paths: PodPaths, errors: inout [String]) throws {
    let runtime = OCIRuntimeBinary(path: record.runtime.path, root: record.runtime.root)
    let containers = record.containers
    let failures = FanOutSlots<String>(count: containers.count)
    DispatchQueue.concurrentPerform(iterations: containers.count) { k in
      let c = containers[k]
      let id = record.runtimeID(c.name)
      do {
        if try runtime.state(id: id) != nil {
          try runtime.kill(id: id, signal: SIGKILL, all: true)
          try runtime.delete(id: id, force: true)
        }
      } catch {
        failures.set(k, "container \(c.name): \(error)")
      }
    }
    errors += containers.indices.compactMap { failures.get($0) }
    // The killed containers' processes must be gone before their roots are unmounted and removed: until a
    // container's process exits, its mount namespace keeps the overlay busy (rmdir fails with EBUSY).
    let deadline = Date(timeIntervalSinceNow: 5)
    for pid in status?.containers.compactMap(\.pid) ?? [] where pid > 0 {
      guard let ref = ProcessProbe.ref(pid) else { continue }
      ProcessProbe.waitExit(ref, timeout: max(0, deadline.timeIntervalSinceNow))
    }
    if let box = status?.sandbox { ProcessProbe.signal(box, SIGKILL) }
    do {
      let network = PodNetwork(config: record.network)
      try network.releaseLeases(owner: PodNetwork.owner(root: paths.root, namespace: record.namespace, name: record.name))
      try network.tearDown(
        ip: status?.hostVeth == nil ? nil : status?.podIP, veth: status?.hostVeth ?? PodNetwork.hostVeth(uid: record.uid, root: paths.root))
    } catch {
      errors.append("network: \(error)")
    }
  }

  /// Mount points at or below `dir` in this mount namespace, deepest first.
  /// Throws when the mount table cannot be read: removing a directory blind could delete through a bind mount.
  public static func mountsUnder(_ dir: String) throws -> [String] {
    let points = try MountInfoEntry.current().map(\.mountPoint).filter { $0 == dir || $0.hasPrefix(dir + "/") }
    return Array(Set(points)).sorted { $0.count > $1.count }
  }

  /// Removes the pod directory, refusing while anything is still mounted below it.
  public static func removeDirectory(_ p: PodPaths) throws {
    let left = try mountsUnder(p.directory)
    guard left.isEmpty else {
      throw GarrisonError(.system, operation: "delete", "still mounted under \(p.directory): \(left.joined(separator: ", "))")
    }
    // Iterative and without following symlinks: a container's writable layer can hold any tree it made.
    let parent = try ContainedDirectory(path: (p.directory as NSString).deletingLastPathComponent, operation: "delete")
    try parent.remove(p.name)
    try parent.removeLeftovers()
  }
}
