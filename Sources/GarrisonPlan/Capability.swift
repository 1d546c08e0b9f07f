import GarrisonCore

/// A Linux capability, by its kernel number. A closed vocabulary: names are validated when parsed.
public struct Capability: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
  /// The kernel's capability number (`CAP_CHOWN` = 0 ... `CAP_CHECKPOINT_RESTORE` = 40).
  public let number: Int

  /// Every capability the kernel headers of this Linux generation define, in number order.
  public static var allNames: [String] { CapabilityNames.all }
  public static let all: [Capability] = allNames.indices.map { Capability(number: $0) }

  public init(number: Int) { self.number = number }

  /// Parses `NET_RAW`, `net_raw` or `CAP_NET_RAW`; nil for an unknown name.
  public init?(name: String) {
    let upper = name.uppercased()
    let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
    guard let n = Capability.allNames.firstIndex(of: full) else { return nil }
    self.number = n
  }

  /// `CAP_NET_RAW`.
  public var name: String { Capability.allNames[number] }
  public var description: String { name }
  /// Bit in the `/proc/<pid>/status` Cap* masks.
  public var mask: UInt64 { 1 << UInt64(number) }

  public static func < (a: Capability, b: Capability) -> Bool { a.number < b.number }

  public init(from decoder: any Decoder) throws {
    let s = try decoder.singleValueContainer().decode(String.self)
    guard let c = Capability(name: s) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown capability \(s)"))
    }
    self = c
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(name)
  }

  /// containerd's default set for a non-privileged container (also moby's).
  public static let containerdDefault: [Capability] = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
    "CAP_AUDIT_WRITE",
  ].map { Capability(name: $0)! }.sorted()
}

/// A set of capabilities, encoded as a sorted list of names (stable, canonical).
public struct CapabilitySet: Hashable, Codable, Sendable, CustomStringConvertible {
  public private(set) var members: [Capability]

  public init<S: Sequence>(_ caps: S) where S.Element == Capability { members = Array(Set(caps)).sorted() }
  public static let empty = CapabilitySet([])

  public var mask: UInt64 { members.reduce(0) { $0 | $1.mask } }
  public var names: [String] { members.map(\.name) }
  public var isEmpty: Bool { members.isEmpty }
  public func contains(_ c: Capability) -> Bool { members.contains(c) }
  public var description: String { members.isEmpty ? "(none)" : names.joined(separator: ", ") }

  public init(from decoder: any Decoder) throws {
    self.init(try decoder.singleValueContainer().decode([Capability].self))
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(members)
  }
}
