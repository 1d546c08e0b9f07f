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

  public func appending(_ field: String) -> FieldPath { appending(step: .field(field)) }
  public func appending(index: Int) -> FieldPath { appending(step: .index(index)) }
  public func appending(key: String) -> FieldPath { appending(step: .key(key)) }

  /// The path one step longer, in one new array (not a one-step array and then their concatenation).
  private func appending(step: Step) -> FieldPath {
    var out: [Step] = []
    out.reserveCapacity(steps.count + 1)
    out.append(contentsOf: steps)
    out.append(step)
    return FieldPath(out)
  }
  public static func / (lhs: FieldPath, rhs: String) -> FieldPath { lhs.appending(rhs) }
  public static func / (lhs: FieldPath, rhs: Int) -> FieldPath { lhs.appending(index: rhs) }

  public var description: String {
    var out = ""
    write(to: &out)
    return out
  }

  /// Appends `description` to `out`.
  public func write(to out: inout String) {
    // Whether this path's text so far is non-empty: a field after it takes a dot.
    var written = false
    for step in steps {
      switch step {
      case .field(let f):
        if written { out += "." }
        out += f
        written = written || !f.isEmpty
      case .index(let i):
        out += "["
        out += String(i)
        out += "]"
        written = true
      case .key(let k):
        out += "["
        out += k
        out += "]"
        written = true
      }
    }
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
