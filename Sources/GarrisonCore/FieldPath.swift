/// A path to a field inside a Kubernetes object, printed the way the API server prints it:
/// `spec.containers[0].securityContext.capabilities.add[1]`.
public struct FieldPath: Hashable, Codable, Sendable, CustomStringConvertible, Comparable {
  /// One step of a path: a field name or a list index.
  public enum Step: Hashable, Codable, Sendable {
    case field(String)
    case index(Int)
    case key(String)
  }

  public var steps: [Step]

  public init(_ steps: [Step] = []) { self.steps = steps }

  /// Parses the dotted form (`a.b[2].c`); map keys in brackets are not parsed back.
  public init(_ dotted: String) {
    var steps: [Step] = []
    for part in dotted.split(separator: ".") {
      var name = Substring(part)
      var indices: [Int] = []
      while let open = name.lastIndex(of: "["), name.hasSuffix("]"),
        let n = Int(name[name.index(after: open)..<name.index(before: name.endIndex)])
      {
        indices.insert(n, at: 0)
        name = name[..<open]
      }
      if !name.isEmpty { steps.append(.field(String(name))) }
      steps.append(contentsOf: indices.map { .index($0) })
    }
    self.steps = steps
  }

  public func appending(_ field: String) -> FieldPath { FieldPath(steps + [.field(field)]) }
  public func appending(index: Int) -> FieldPath { FieldPath(steps + [.index(index)]) }
  public func appending(key: String) -> FieldPath { FieldPath(steps + [.key(key)]) }
  public static func / (lhs: FieldPath, rhs: String) -> FieldPath { lhs.appending(rhs) }
  public static func / (lhs: FieldPath, rhs: Int) -> FieldPath { lhs.appending(index: rhs) }

  public var description: String {
    var out = ""
    for step in steps {
      switch step {
      case .field(let f): out += out.isEmpty ? f : ".\(f)"
      case .index(let i): out += "[\(i)]"
      case .key(let k): out += "[\(k)]"
      }
    }
    return out
  }

  public static func < (lhs: FieldPath, rhs: FieldPath) -> Bool { lhs.description < rhs.description }

  public init(from decoder: any Decoder) throws {
    self.init(try decoder.singleValueContainer().decode(String.self))
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}
