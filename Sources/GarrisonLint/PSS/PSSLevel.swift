/// A Pod Security Standards level. `restricted` includes `baseline`; `privileged` checks nothing.
public enum PSSLevel: String, Codable, Sendable, CaseIterable, Comparable {
  case privileged
  case baseline
  case restricted

  private var rank: Int {
    switch self {
    case .privileged: return 0
    case .baseline: return 1
    case .restricted: return 2
    }
  }
  public static func < (lhs: PSSLevel, rhs: PSSLevel) -> Bool { lhs.rank < rhs.rank }
}

/// A Pod Security Standards policy version: `v1.N` or `latest`.
///
/// Like the admission controller, a version newer than the newest one any check defines behaves as that
/// newest version, and `latest` is newer than every numbered version.
public struct PSSVersion: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
  /// The minor number, or `nil` for `latest`.
  public let minor: Int?

  public static let latest = PSSVersion(minor: nil)
  public static func v1(_ minor: Int) -> PSSVersion { PSSVersion(minor: minor) }

  private init(minor: Int?) { self.minor = minor }

  /// Parses `latest` or `v1.N` (no leading zeros, as the admission controller accepts).
  public init?(parsing text: String) {
    if text == "latest" {
      self.minor = nil
      return
    }
    guard text.hasPrefix("v1.") else { return nil }
    let digits = text.dropFirst(3)
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
      digits == "0" || digits.first != "0", let n = Int(digits)
    else { return nil }
    self.minor = n
  }

  public var isLatest: Bool { minor == nil }
  public var description: String { minor.map { "v1.\($0)" } ?? "latest" }

  public static func < (lhs: PSSVersion, rhs: PSSVersion) -> Bool {
    switch (lhs.minor, rhs.minor) {
    case (nil, _): return false
    case (_, nil): return true
    case (let a?, let b?): return a < b
    }
  }

  public init(from decoder: any Decoder) throws {
    let s = try decoder.singleValueContainer().decode(String.self)
    guard let v = PSSVersion(parsing: s) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad version \(s)"))
    }
    self = v
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}

/// A level and version pair, as set by `--level`/`--pss-version` or namespace labels.
public struct PSSPolicy: Hashable, Codable, Sendable, CustomStringConvertible {
  public var level: PSSLevel
  public var version: PSSVersion
  public init(level: PSSLevel, version: PSSVersion) {
    self.level = level
    self.version = version
  }
  public var description: String { "\(level.rawValue):\(version)" }
}
