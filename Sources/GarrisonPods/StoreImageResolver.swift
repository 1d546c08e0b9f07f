import Foundation
import GarrisonCore
import GarrisonImages
import GarrisonKernel

/// Resolves images from the image store (`garrison image import`): unpacks the layers once and gives them
/// topmost first as overlay lower directories, with the image's Entrypoint, Cmd, Env, WorkingDir and User.
public struct StoreImageResolver: ImageResolver, @unchecked Sendable {
  let store: ImageStore

  public init(root: String) throws { store = try ImageStore(root: root) }

  /// The store under the state root.
  public static func make(root: String) throws -> any ImageResolver { try StoreImageResolver(root: root) }

  public func resolve(image: String, field: String) throws -> ResolvedImage {
    guard !image.isEmpty else {
      throw GarrisonError(.invalid, "Required value: image (or pass --rootfs DIR)", field: FieldPath(field))
    }
    let img: ImageStore.Image
    do {
      img = try store.resolve(image)
    } catch var e as GarrisonError {
      e.fieldPath = FieldPath(field)
      e.message += " (import it with `garrison image import`, or pass --rootfs DIR)"
      throw e
    }
    let layers = try store.unpack(img)
    let config = img.config
    var resolved = ResolvedImage(
      lowerdirs: layers.reversed(), entrypoint: config.entrypoint, cmd: config.cmd, env: config.env ?? [],
      workingDir: config.workingDir, user: config.user)
    resolved.id = "\(img.manifestDescriptor.digest)"
    return resolved
  }
}

/// Resolves an image `User` (`name`, `uid`, `name:group`, `uid:gid`) through the image's own /etc/passwd and
/// /etc/group (topmost layer that has the file wins), as a static runtime must: no NSS.
public enum ImageUser {
  public static func resolve(_ user: String, lowerdirs: [String], field: String) throws -> (uid: UInt32, gid: UInt32?) {
    let parts = user.split(separator: ":", maxSplits: 1).map(String.init)
    let name = parts.first ?? ""
    var uid: UInt32
    var gid: UInt32?
    if let n = UInt32(name) {
      uid = n
      gid = try passwd(lowerdirs).first { $0.uid == n }?.gid
    } else {
      guard let entry = try passwd(lowerdirs).first(where: { $0.name == name }) else {
        throw GarrisonError(.unenforceable, "image user \"\(name)\" is not in the image's /etc/passwd", field: FieldPath(field))
      }
      uid = entry.uid
      gid = entry.gid
    }
    if parts.count == 2 {
      if let g = UInt32(parts[1]) {
        gid = g
      } else {
        guard let g = try group(lowerdirs)[parts[1]] else {
          throw GarrisonError(.unenforceable, "image group \"\(parts[1])\" is not in the image's /etc/group", field: FieldPath(field))
        }
        gid = g
      }
    }
    return (uid, gid)
  }

  /// The first layer's copy of `rel`, resolved inside that layer (`RESOLVE_IN_ROOT`): an image whose `etc` is a
  /// symlink to `/etc` reads its own files, never the host's. Only a regular file is read (opened `O_NONBLOCK`
  /// and checked with `fstat` first): a FIFO or device there is an error, never a hang or a host device read.
  static func file(_ rel: String, _ lowerdirs: [String]) throws -> String? {
    for d in lowerdirs {
      let layer = try ContainedDirectory(path: d, operation: "read image \(rel)")
      if let bytes = try layer.readRegularFile(rel, symlinks: .inRoot, limit: 4 << 20, operation: "read image \(rel)") {
        return String(decoding: bytes, as: UTF8.self)
      }
    }
    return nil
  }

  static func passwd(_ lowerdirs: [String]) throws -> [(name: String, uid: UInt32, gid: UInt32)] {
    (try file("etc/passwd", lowerdirs) ?? "").split(separator: "\n").compactMap { line in
      let f = line.split(separator: ":", omittingEmptySubsequences: false)
      guard f.count >= 4, let u = UInt32(f[2]), let g = UInt32(f[3]) else { return nil }
      return (String(f[0]), u, g)
    }
  }

  static func group(_ lowerdirs: [String]) throws -> [String: UInt32] {
    var out: [String: UInt32] = [:]
    for line in (try file("etc/group", lowerdirs) ?? "").split(separator: "\n") {
      let f = line.split(separator: ":", omittingEmptySubsequences: false)
      if f.count >= 3, let g = UInt32(f[2]) { out[String(f[0])] = g }
    }
    return out
  }
}
