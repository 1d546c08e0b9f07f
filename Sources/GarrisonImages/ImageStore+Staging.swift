import Foundation
import GarrisonCore
import GarrisonKernel

#if canImport(Glibc)
  import Glibc
#endif

extension ImageStore {
  /// Runs `body` with a fresh private directory under `images/tmp/`, removed afterwards whatever happens.
  func withStagingDirectory<T>(_ purpose: String, _ body: (String) throws -> T) throws -> T {
    let name = Self.scratchName(purpose)
    let dir = stagingDirectory + "/" + name
    guard mkdir(dir, 0o700) == 0 else { throw LayerExtractor.sysError("mkdir", dir) }
    defer { Self.discard(stagingDirectory, name) }
    return try body(dir)
  }

  /// `<purpose>-<pid>-<uuid>`: scratch names carry the pid of the process that owns them, so that the next store
  /// command can tell a crashed command's leftovers (owner gone) from a concurrent command's work.
  static func scratchName(_ purpose: String) -> String { "\(purpose)-\(getpid())-\(UUID().uuidString)" }

  /// Deletes what crashed commands left behind: scratch directories in `tmp/` and `layers/.tmp-…` whose owner
  /// process is gone, and interrupted removals (``ContainedDirectory/leftoverPrefix``).
  func removeLeftovers() throws {
    let staging = try ContainedDirectory(path: stagingDirectory)
    for name in try staging.entries() where !Self.ownerIsAlive(name) { try staging.remove(name) }
    let layers = try ContainedDirectory(path: layersDirectory)
    for name in try layers.entries() where name.hasPrefix(".") && !Self.ownerIsAlive(name) { try layers.remove(name) }
  }

  /// Whether the process whose pid a scratch name carries still runs: `<purpose>-<pid>-<uuid>` (the pid is the
  /// field before the UUID's five) or `.garrison-rm-<pid>-<n>`. A name of neither form is garbage.
  static func ownerIsAlive(_ name: String) -> Bool {
    let fields = name.split(separator: "-", omittingEmptySubsequences: false)
    let field: Substring?
    if name.hasPrefix(ContainedDirectory.leftoverPrefix) {
      field = name.dropFirst(ContainedDirectory.leftoverPrefix.count).split(separator: "-").first
    } else {
      field = fields.count >= 7 ? fields[fields.count - 6] : nil
    }
    guard let field, let pid = Int32(field), pid > 0 else { return false }
    return kill(pid, 0) == 0 || errno == EPERM
  }

  /// Removes a scratch directory; a failure leaves only garbage for ``removeLeftovers()``, never a visible image.
  static func discard(_ parent: String, _ name: String) {
    do { try ContainedDirectory(path: parent).remove(name) } catch {
      FileHandle.standardError.write(Data("garrison: warning: cannot remove \(parent)/\(name): \(error)\n".utf8))
    }
  }

  /// Copies everything `source` yields into a new file at `path`, returning its sha256 and size.
  static func copyHashing(_ source: any ByteSource, to path: String) throws -> (digest: Digest, size: Int64) {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw LayerExtractor.sysError("create", path) }
    defer { _ = close(fd) }
    var hasher = DigestHasher()
    var chunk = [UInt8](repeating: 0, count: 256 * 1024)
    while true {
      let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
      if n == 0 { break }
      try chunk.withUnsafeBytes { buffer in
        let part = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
        hasher.update(part)
        try LayerExtractor.writeAll(fd, part, path)
      }
    }
    try source.close()
    guard fsync(fd) == 0 else { throw LayerExtractor.sysError("fsync", path) }
    return (hasher.finalize(), hasher.count)
  }

  /// Moves verified staged blobs into `blobs/sha256/` and records `entries` in `index.json`, replacing any
  /// entry with the same name. On failure, blobs this call added are removed again.
  func commit(blobs: [Digest: String], entries: [(Descriptor, ImageReference)]) throws {
    try withLock {
      var added: [String] = []
      do {
        for (digest, staged) in blobs.sorted(by: { $0.key < $1.key }) {
          let dest = blobPath(digest)
          var st = stat()
          if lstat(dest, &st) == 0 { continue }  // content-addressed: already present
          guard rename(staged, dest) == 0 else { throw LayerExtractor.sysError("rename", dest) }
          added.append(dest)
        }
        var index = try readIndex()
        for (descriptor, reference) in entries {
          index.manifests.removeAll { $0.annotations?[AnnotationKey.refName] == reference.nameAndTag }
          var d = descriptor
          d.annotations = [AnnotationKey.refName: reference.nameAndTag]
          index.manifests.append(d)
        }
        try writeIndex(index)
      } catch {
        for path in added { _ = unlink(path) }
        throw error
      }
      // The import is complete; now drop what a replaced name left unreferenced.
      try collectGarbage(try readIndex())
    }
  }
}
