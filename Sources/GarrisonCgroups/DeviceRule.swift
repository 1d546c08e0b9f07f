import GarrisonCore

/// One device-cgroup rule as the OCI spec writes it (`linux.resources.devices[i]`): allow or deny
/// `access` (a subset of `rwm`) to devices of `type` (`a` all, `b` block, `c` char) with `major`/`minor`
/// (nil = any). Rules apply in order, the last match wins, as the kernel's v1 devices controller and
/// runc's v2 eBPF emulation both do.
public struct DeviceRule: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The device type a rule matches.
  public enum Kind: String, Sendable, Hashable, Codable {
    case all = "a"
    case block = "b"
    case char = "c"
  }

  public var allow: Bool
  public var kind: Kind
  public var major: Int64?
  public var minor: Int64?
  /// Sorted, deduplicated subset of `rwm`.
  public var access: String

  /// Validates the OCI fields; `field` names the rule in errors (`linux.resources.devices[3]`).
  public init(allow: Bool, type: String?, major: Int64?, minor: Int64?, access: String?, field: FieldPath) throws {
    guard let kind = Kind(rawValue: type ?? "a") else {
      throw GarrisonError(
        .invalid, operation: "parse device rule", "unknown device type \"\(type ?? "")\" (a, b or c)",
        field: field / "type")
    }
    let text = access ?? "rwm"
    guard !text.isEmpty, text.allSatisfy({ "rwm".contains($0) }) else {
      throw GarrisonError(
        .invalid, operation: "parse device rule", "device access \"\(text)\" must be a subset of rwm",
        field: field / "access")
    }
    // -1 is runc's wildcard, the same as leaving the number out.
    let major = major == -1 ? nil : major
    let minor = minor == -1 ? nil : minor
    for (name, value) in [("major", major), ("minor", minor)] {
      if let value, !(0...Int64(UInt32.max)).contains(value) {
        throw GarrisonError(
          .invalid, operation: "parse device rule", "device \(name) \(value) is out of range",
          field: field / name)
      }
    }
    self.allow = allow
    self.kind = kind
    self.major = kind == .all ? nil : major
    self.minor = kind == .all ? nil : minor
    self.access = String(Set(text).sorted { "rwm".firstIndex(of: $0)! < "rwm".firstIndex(of: $1)! })
  }

  /// An allow rule for one character device (or every minor with `minor == nil`).
  public static func allowChar(_ major: UInt32, _ minor: UInt32?) -> DeviceRule {
    DeviceRule(allow: true, kind: .char, major: Int64(major), minor: minor.map(Int64.init), access: "rwm")
  }

  private init(allow: Bool, kind: Kind, major: Int64?, minor: Int64?, access: String) {
    self.allow = allow
    self.kind = kind
    self.major = major
    self.minor = minor
    self.access = access
  }

  /// The nodes garrison-init creates in every container's /dev (null, zero, full, random, urandom, tty,
  /// ptmx) and the pty slaves: allowed after the spec's rules, as runc and crun do, so a deny-all rule
  /// still leaves a working /dev.
  public static let defaultAllowed: [DeviceRule] = [
    .allowChar(1, 3), .allowChar(1, 5), .allowChar(1, 7), .allowChar(1, 8), .allowChar(1, 9), .allowChar(5, 0),
    .allowChar(5, 2), .allowChar(136, nil),
  ]

  /// The v1 `devices.allow`/`devices.deny` line: `a`, or `c 1:3 rwm` with `*` for any number. (The
  /// kernel reads `a` as every device with every access, so a partial `a` rule has no v1 form; see
  /// `Cgroup.applyDeviceRules`.)
  public var v1Line: String {
    if kind == .all { return "a" }
    return "\(kind.rawValue) \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*") \(access)"
  }

  public var description: String { (allow ? "allow " : "deny ") + v1Line + (kind == .all ? " \(access)" : "") }
}
