import GarrisonCore

/// An SELinux security context `user:role:type:level`, with every component validated.
public struct SELinuxLabel: Hashable, Codable, Sendable, CustomStringConvertible {
  public var user: String
  public var role: String
  public var type: String
  public var level: String

  /// Validates each component: identifiers are `[A-Za-z0-9_.-]+`, the level follows ``SELinuxLevel``.
  public init(user: String, role: String, type: String, level: String, field: FieldPath? = nil) throws {
    try Self.validateIdentifier(user, component: "user", field: field)
    try Self.validateIdentifier(role, component: "role", field: field)
    try Self.validateIdentifier(type, component: "type", field: field)
    try SELinuxLevel.validate(level, field: field.map { $0 / "level" })
    self.user = user
    self.role = role
    self.type = type
    self.level = level
  }

  enum CodingKeys: String, CodingKey { case user, role, type, level }

  /// Decoding runs the same validation as the initializer.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    try self.init(
      user: try c.decode(String.self, forKey: .user), role: try c.decode(String.self, forKey: .role),
      type: try c.decode(String.self, forKey: .type), level: try c.decode(String.self, forKey: .level))
  }

  /// `user:role:type:level`, as written to `/proc/self/attr/exec` or used in a `context=` mount option.
  public var description: String { "\(user):\(role):\(type):\(level)" }

  static func validateIdentifier(_ value: String, component: String, field: FieldPath?) throws {
    let ok =
      !value.isEmpty && value.count <= 255
      && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    guard ok else {
      throw LSMErrors.invalid(
        "parse seLinuxOptions", "invalid SELinux \(component) \"\(value)\" (allowed: letters, digits, _ . -)",
        field: field.map { $0 / component })
    }
  }
}
