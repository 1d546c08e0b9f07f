import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonManifest

/// Workload objects on disk: read, write, list, remove, and the per-workload lock every change takes.
public struct WorkloadStore: Sendable {
  public let root: String
  public init(root: String) { self.root = root }

  public func paths(_ namespace: String, _ kind: String, _ name: String) -> WorkloadPaths {
    WorkloadPaths(root: root, namespace: namespace, kind: kind, name: name)
  }

  public func object(_ namespace: String, _ kind: String, _ name: String) throws -> WorkloadObject? {
    try PodManager.checkNames(namespace: namespace, name: name)
    return try JSONFile.read(WorkloadObject.self, from: paths(namespace, kind, name).object)
  }

  public func status(_ p: WorkloadPaths) throws -> WorkloadStatus {
    try JSONFile.read(WorkloadStatus.self, from: p.status) ?? WorkloadStatus()
  }

  /// Writes an object (creating its directory, owner-only).
  public func save(_ o: WorkloadObject) throws {
    let p = paths(o.namespace, o.kind, o.name)
    try ensureDirectory(p)
    try JSONFile.write(o, to: p.object, mode: 0o600)
  }

  /// Creates the workload's directory (owner-only), names checked as single path components.
  public func ensureDirectory(_ p: WorkloadPaths) throws {
    for part in [p.namespace, WorkloadKinds.plural(p.kind), p.name] { try ContainedPath.name(part, operation: "apply") }
    try StateDirectory.ensure(root, mode: 0o711, createParents: true)
    try StateDirectory.ensure(WorkloadPaths.base(root), mode: 0o700)
    try StateDirectory.ensure(WorkloadPaths.base(root) + "/" + p.namespace, mode: 0o700)
    try StateDirectory.ensure(WorkloadPaths.kindDirectory(root: root, namespace: p.namespace, kind: p.kind), mode: 0o700)
    try StateDirectory.ensure(p.directory, mode: 0o700)
  }

  public func saveStatus(_ s: WorkloadStatus, _ p: WorkloadPaths) throws {
    try JSONFile.write(s, to: p.status, mode: 0o600)
  }

  /// Every object of a kind, in one namespace or all (nil), sorted by namespace and name.
  public func list(kind: String, namespace: String?) throws -> [WorkloadObject] {
    let fm = FileManager.default
    let base = WorkloadPaths.base(root)
    let namespaces = namespace.map { [$0] } ?? ((try? fm.contentsOfDirectory(atPath: base)) ?? []).sorted()
    var out: [WorkloadObject] = []
    for ns in namespaces {
      let dir = WorkloadPaths.kindDirectory(root: root, namespace: ns, kind: kind)
      for name in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
        guard (try? PodManager.checkNames(namespace: ns, name: name)) != nil else { continue }
        if let o = try JSONFile.read(WorkloadObject.self, from: dir + "/" + name + "/object.json") { out.append(o) }
      }
    }
    return out
  }

  /// Every workload, all kinds.
  public func all(namespace: String?) throws -> [WorkloadObject] {
    try ["Deployment", "ReplicaSet", "Job"].flatMap { try list(kind: $0, namespace: namespace) }
  }

  /// Removes a workload's directory (its pods are not touched here).
  public func remove(_ p: WorkloadPaths) throws {
    guard FileManager.default.fileExists(atPath: p.directory) else { return }
    let parent = try ContainedDirectory(path: (p.directory as NSString).deletingLastPathComponent, operation: "delete")
    try parent.removeTree(p.name)
  }

  /// Runs `body` under the workload's exclusive lock (`lock` in its directory; the directory must exist).
  /// A Deployment's lock also covers its ReplicaSets. Released when the process dies, so `kill -9` never
  /// leaves it held.
  public func withLock<T>(_ p: WorkloadPaths, _ body: () throws -> T) throws -> T {
    let fd = open(p.lock, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open", "cannot open \(p.lock)", errno: errno) }
    defer { close(fd) }
    while flock(fd, LOCK_EX) != 0 {
      guard errno == EINTR else { throw GarrisonError(.system, operation: "flock", "cannot lock \(p.directory)", errno: errno) }
    }
    return try body()
  }

  /// The pods a workload owns (by owner uid), with whether each is being deleted.
  public func pods(ownedBy uid: String, in all: [PodView]) -> [PodView] {
    all.filter { $0.record.ownerReferences?.contains { $0.uid == uid } ?? false }
  }

  /// Whether a pod is being deleted (`stop.json` written by a delete).
  public static func terminating(_ v: PodView) -> Bool { FileManager.default.fileExists(atPath: v.paths.stopRequest) }
}
