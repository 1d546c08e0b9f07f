import GarrisonCore

/// An image reference as users type it: `busybox`, `busybox:1.0`, `localhost/busybox:1.0`,
/// `registry:5000/team/app:v2`, optionally `@sha256:…`. The tag defaults to `latest`.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
  /// Everything before the tag: optional registry host and the repository path.
  public var name: String
  public var tag: String
  /// A pinned manifest digest (`name@sha256:…`), if given.
  public var digest: Digest?

  public init(name: String, tag: String = "latest", digest: Digest? = nil) {
    self.name = name
    self.tag = tag
    self.digest = digest
  }

  /// Parses and validates a reference (lower-case path components, a tag of `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`).
  public init(parsing text: String) throws {
    func bad(_ why: String) -> GarrisonError {
      GarrisonError(.invalid, operation: "parse image reference", "invalid image reference `\(text)`: \(why)")
    }
    var rest = Substring(text)
    var digest: Digest?
    if let at = rest.firstIndex(of: "@") {
      digest = try Digest(parsing: String(rest[rest.index(after: at)...]))
      rest = rest[..<at]
    }
    var tag = "latest"
    // A colon after the last slash separates the tag (a colon before it is a registry port).
    let lastSlash = rest.lastIndex(of: "/")
    if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
      tag = String(rest[rest.index(after: colon)...])
      rest = rest[..<colon]
      guard Self.isValidTag(tag) else { throw bad("bad tag `\(tag)`") }
    }
    guard !rest.isEmpty, rest.utf8.count <= 255 else { throw bad("empty or overlong name") }
    let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
    for (i, part) in parts.enumerated() {
      let isHost = i == 0 && parts.count > 1 && (part.contains(".") || part.contains(":") || part == "localhost")
      guard isHost ? Self.isValidHost(part) : Self.isValidPathComponent(part) else {
        throw bad("bad name component `\(part)`")
      }
    }
    self.init(name: String(rest), tag: tag, digest: digest)
  }

  /// `name:tag` (plus `@digest` when pinned): the form stored in `org.opencontainers.image.ref.name`.
  public var description: String {
    "\(name):\(tag)" + (digest.map { "@\($0)" } ?? "")
  }

  /// `name:tag` without a digest.
  public var nameAndTag: String { "\(name):\(tag)" }

  static func isValidTag(_ t: String) -> Bool {
    guard let first = t.utf8.first, t.utf8.count <= 128, first != UInt8(ascii: "."), first != UInt8(ascii: "-")
    else { return false }
    return t.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
  }

  static func isValidPathComponent(_ p: Substring) -> Bool {
    // [a-z0-9]+ separated by `.`, `_`, `__` or `-`+.
    guard let f = p.utf8.first, let l = p.utf8.last, isLowerAlnum(f), isLowerAlnum(l) else { return false }
    return p.utf8.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
      && !p.contains("..") && !p.contains("___")
  }

  static func isValidHost(_ h: Substring) -> Bool {
    let hostAndPort = h.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
    if hostAndPort.count == 2, hostAndPort[1].isEmpty || !hostAndPort[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
      return false
    }
    let labels = hostAndPort[0].split(separator: ".", omittingEmptySubsequences: false)
    return labels.allSatisfy { label in
      guard let f = label.utf8.first, let l = label.utf8.last, isAlnum(f), isAlnum(l) else { return false }
      return label.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }
  }

  private static func isLowerAlnum(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x61...0x7a).contains(c) }
  private static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (0x41...0x5a).contains(c) }
}
