import Glibc

/// A Linux kernel version (`major.minor[.patch]`), as used by a profile's `includes.minKernel`.
public struct KernelVersion: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
  public var major: Int
  public var minor: Int
  public var patch: Int

  public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
    self.major = major
    self.minor = minor
    self.patch = patch
  }

  /// Parses `4.8`, `5.10.3` or a uname release such as `6.1.0-18-amd64` (the leading numbers count).
  public init?(_ text: String) {
    let numeric = text.prefix { $0.isNumber || $0 == "." }
    let parts = numeric.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count >= 2, parts.count <= 3, let a = Int(parts[0]), let b = Int(parts[1]) else { return nil }
    var c = 0
    if parts.count == 3 {
      guard let p = Int(parts[2]) else { return nil }
      c = p
    }
    self.init(a, b, c)
  }

  /// The running kernel's version, from uname(2).
  public static func running() throws -> KernelVersion {
    var u = utsname()
    guard uname(&u) == 0 else {
      throw GarrisonErrorFactory.system("uname", "cannot read the kernel version", errno: errno)
    }
    let release = withUnsafeBytes(of: &u.release) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    guard let v = KernelVersion(release) else {
      throw GarrisonErrorFactory.invalid("parse kernel release", "unrecognised kernel release \(release)")
    }
    return v
  }

  public var description: String { patch == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(patch)" }

  public static func < (l: KernelVersion, r: KernelVersion) -> Bool {
    (l.major, l.minor, l.patch) < (r.major, r.minor, r.patch)
  }

  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let v = KernelVersion(text) else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "invalid kernel version \"\(text)\""))
    }
    self = v
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}
