import GarrisonCore
import GarrisonManifest

/// Image reference hardening: pinned by digest; a real tag (not `latest`, not missing).
enum ImageHardening {
  /// The parts of an image reference that matter here.
  struct Reference: Equatable {
    var tag: String?
    var digest: String?

    /// Splits `registry[:port]/path[:tag][@digest]`; a `:` before the last `/` is a registry port.
    init(_ image: String) {
      var bytes = image
      if let parts = bytes.withUTF8({ Self.asciiParts($0) }) {
        (tag, digest) = parts
        return
      }
      var rest = Substring(image)
      if let at = rest.firstIndex(of: "@") {
        digest = String(rest[rest.index(after: at)...])
        rest = rest[..<at]
      }
      let lastSlash = rest.lastIndex(of: "/")
      let nameStart = lastSlash.map { rest.index(after: $0) } ?? rest.startIndex
      if let colon = rest[nameStart...].lastIndex(of: ":") {
        tag = String(rest[rest.index(after: colon)...])
      }
    }

    /// The tag and digest of an ASCII reference, found by searching its bytes in place (every byte is a character
    /// there); nil when the reference is not ASCII.
    private static func asciiParts(_ u: UnsafeBufferPointer<UInt8>) -> (tag: String?, digest: String?)? {
      var at: Int?
      for i in u.indices {
        if u[i] >= 0x80 { return nil }
        if at == nil && u[i] == UInt8(ascii: "@") { at = i }
      }
      func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: u[r]), as: UTF8.self) }
      var tag: String?
      var digest: String?
      var end = u.count
      if let at {
        digest = text(at + 1..<u.count)
        end = at
      }
      var nameStart = 0
      if let slash = u[..<end].lastIndex(of: UInt8(ascii: "/")) { nameStart = slash + 1 }
      if let colon = u[nameStart..<end].lastIndex(of: UInt8(ascii: ":")) {
        tag = text(colon + 1..<end)
      }
      return (tag, digest)
    }
  }

  static let digest = HardeningCheck(id: "hardening.imageDigest") { pod in
    pod.containers.compactMap { e in
      let c = e.container, path = e.path
      guard let image = c.image, !image.isEmpty else { return nil }
      let ref = Reference(image)
      guard !(ref.digest?.hasPrefix("sha256:") ?? false) && !(ref.digest?.hasPrefix("sha512:") ?? false) else { return nil }
      return HardeningHit(
        message: Words.concat("container \"", c.name, "\" image \"", image, "\" is not pinned by digest"), container: c.name,
        image: image,
        field: path / "image")
    }
  }

  static let tag = HardeningCheck(id: "hardening.imageTag") { pod in
    pod.containers.compactMap { e in
      let c = e.container, path = e.path
      guard let image = c.image, !image.isEmpty else { return nil }
      let ref = Reference(image)
      guard ref.digest == nil else { return nil }
      let problem: String
      switch ref.tag {
      case nil: problem = "has no tag (means latest)"
      case "latest"?: problem = "uses the tag latest"
      default: return nil
      }
      return HardeningHit(
        message: Words.concat("container \"", c.name, "\" image \"", image, "\" ", problem), container: c.name, image: image,
        field: path / "image")
    }
  }
}
