import Foundation
import GarrisonKernel

/// A controller's listing of its namespace's pods, as `PodManager.list` gives it, except that a pod's
/// `record.json` (tens of kilobytes: the compiled plan) is decoded again only when the file was replaced (its
/// inode, size or modification time changed: orphaning rewrites it); `status.json` is read every time. Every
/// pass of a controller lists the pods, so this is most of what a pass costs.
final class PodListCache {
  let manager: PodManager
  private var records: [String: (FileStatus, PodRecord)] = [:]

  init(manager: PodManager) { self.manager = manager }

  /// The pods of `namespace`, sorted by name; a directory without a record (being created or deleted) is not a pod.
  func list(namespace: String) throws -> [PodView] {
    let dir = PodPaths.podsDirectory(manager.root) + "/" + namespace
    var out: [PodView] = []
    var seen: [String: (FileStatus, PodRecord)] = [:]
    for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
      guard (try? PodManager.checkNames(namespace: namespace, name: name)) != nil else { continue }
      let p = manager.paths(namespace, name)
      guard let file = try? FileStatus.of(p.record) else { continue }
      let record: PodRecord
      if let cached = records[p.record], cached.0 == file {
        record = cached.1
      } else {
        guard let r = try JSONFile.read(PodRecord.self, from: p.record) else { continue }
        record = r
      }
      seen[p.record] = (file, record)
      out.append(try manager.view(p, record: record))
    }
    records = seen
    return out
  }
}
