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
      if image.utf8.allSatisfy({ $0 < 0x80 }) {
        (tag, digest) = Self.asciiParts(image)
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

    /// The tag and digest of an ASCII reference, found by searching bytes (every byte is a character there).
    private static func asciiParts(_ image: String) -> (tag: String?, digest: String?) {
      var tag: String?
      var digest: String?
      let u = image.utf8
      var end = u.endIndex
      if let at = u.firstIndex(of: UInt8(ascii: "@")) {
        digest = String(image[u.index(after: at)...])
        end = at
      }
      let nameStart = u[..<end].lastIndex(of: UInt8(ascii: "/")).map { u.index(after: $0) } ?? u.startIndex
      if let colon = u[nameStart..<end].lastIndex(of: UInt8(ascii: ":")) {
        tag = String(image[u.index(after: colon)..<end])
      }
      return (tag, digest)
    }
  }

  static let digest = HardeningCheck(id: "hardening.imageDigest") { pod in
    pod.containers.compactMap { _, c, path in
      guard let image = c.image, !image.isEmpty else { return nil }
      let ref = Reference(image)
      guard !(ref.digest?.hasPrefix("sha256:") ?? false) && !(ref.digest?.hasPrefix("sha512:") ?? false) else { return nil }
      return HardeningHit(
        message: "container \"\(c.name)\" image \"\(image)\" is not pinned by digest", container: c.name, image: image,
        field: path / "image")
    }
  }

  static let tag = HardeningCheck(id: "hardening.imageTag") { pod in
    pod.containers.compactMap { _, c, path in
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
        message: "container \"\(c.name)\" image \"\(image)\" \(problem)", container: c.name, image: image,
        field: path / "image")
    }
  }
}
