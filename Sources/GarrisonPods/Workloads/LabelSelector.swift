import GarrisonCore
import GarrisonManifest

/// A Kubernetes label selector: requirements that must all hold (`app=x,tier!=db,env in (a,b),!legacy`).
/// Parsed from the command line per apimachinery's `labels.Parse` grammar, or built from a workload's
/// `selector` (`matchLabels` + `matchExpressions`).
public struct LabelSelector: Codable, Sendable, Equatable, CustomStringConvertible {
  /// One requirement on one key.
  public struct Requirement: Codable, Sendable, Equatable {
    /// `=`/`==`/`in` are `in`, `!=`/`notin` are `notIn`; `exists` (`key`) and `doesNotExist` (`!key`).
    public enum Operator: String, Codable, Sendable { case `in`, notIn, exists, doesNotExist }
    public var key: String
    public var op: Operator
    public var values: [String]
    public init(key: String, op: Operator, values: [String] = []) {
      self.key = key
      self.op = op
      self.values = values
    }

    /// Kubernetes' `Requirement.Matches`: `notIn` and `doesNotExist` hold for a missing key.
    public func matches(_ labels: [String: String]) -> Bool {
      switch op {
      case .in: return labels[key].map(values.contains) ?? false
      case .notIn: return labels[key].map { !values.contains($0) } ?? true
      case .exists: return labels[key] != nil
      case .doesNotExist: return labels[key] == nil
      }
    }

    var text: String {
      switch op {
      case .in: return values.count == 1 ? "\(key)=\(values[0])" : "\(key) in (\(values.joined(separator: ",")))"
      case .notIn: return values.count == 1 ? "\(key)!=\(values[0])" : "\(key) notin (\(values.joined(separator: ",")))"
      case .exists: return key
      case .doesNotExist: return "!\(key)"
      }
    }
  }

  public var requirements: [Requirement]
  public init(_ requirements: [Requirement] = []) { self.requirements = requirements }

  /// The selector `matchLabels` gives (every pair an equality).
  public init(matchLabels: [String: String]) {
    requirements = matchLabels.sorted { $0.key < $1.key }.map { Requirement(key: $0.key, op: .in, values: [$0.value]) }
  }

  /// Whether every requirement holds (an empty selector matches everything).
  public func matches(_ labels: [String: String]) -> Bool { requirements.allSatisfy { $0.matches(labels) } }
  public var isEmpty: Bool { requirements.isEmpty }
  public var description: String { requirements.map(\.text).joined(separator: ",") }

  // MARK: parsing (apimachinery labels.Parse)

  /// Parses a selector string. Errors name the position (0-based, as kubectl's parser reports it) and are
  /// usage errors (exit 2).
  public static func parse(_ text: String) throws -> LabelSelector {
    var lexer = Lexer(Array(text.unicodeScalars))
    var out: [Requirement] = []
    if lexer.peek().kind == .end { return LabelSelector() }
    while true {
      out.append(try requirement(&lexer, text))
      let t = lexer.next()
      switch t.kind {
      case .end: return LabelSelector(out)
      case .comma:
        if lexer.peek().kind == .end { throw error(text, t.position, "found '', expected: identifier after ','") }
      default: throw error(text, t.position, "found '\(t.value)', expected: ',' or 'end of string'")
      }
    }
  }

  static func error(_ text: String, _ pos: Int, _ message: String) -> GarrisonError {
    GarrisonError(.usage, "unable to parse requirement: \(message) at position \(pos) of selector \"\(text)\"")
  }

  static func requirement(_ lx: inout Lexer, _ text: String) throws -> Requirement {
    var t = lx.next()
    var negated = false
    if t.kind == .bang {
      negated = true
      t = lx.next()
    }
    guard t.kind == .identifier else { throw error(text, t.position, "found '\(t.value)', expected: !, identifier") }
    let key = t.value
    try validateKey(key, text, t.position)
    let after = lx.peek()
    if negated || after.kind == .comma || after.kind == .end {
      if negated {
        if after.kind != .comma && after.kind != .end {
          throw error(text, after.position, "found '\(after.value)', expected: ',' or 'end of string'")
        }
        return Requirement(key: key, op: .doesNotExist)
      }
      return Requirement(key: key, op: .exists)
    }
    let op = lx.next()
    switch op.kind {
    case .equals, .doubleEquals, .notEquals:
      let v = lx.next()
      var value = ""
      if v.kind == .identifier {
        value = v.value
      } else if v.kind == .comma || v.kind == .end {
        lx.pushBack(v)
      } else {
        throw error(text, v.position, "found '\(v.value)', expected: identifier")
      }
      try validateValue(value, text, v.position)
      return Requirement(key: key, op: op.kind == .notEquals ? .notIn : .in, values: [value])
    case .inKeyword, .notInKeyword:
      let open = lx.next()
      guard open.kind == .openParen else { throw error(text, open.position, "found '\(open.value)', expected: '('") }
      var values: [String] = []
      while true {
        let v = lx.next()
        if v.kind == .identifier {
          try validateValue(v.value, text, v.position)
          values.append(v.value)
          let sep = lx.next()
          if sep.kind == .closeParen { break }
          guard sep.kind == .comma else { throw error(text, sep.position, "found '\(sep.value)', expected: ',' or ')'") }
        } else if v.kind == .closeParen && values.isEmpty {
          values.append("")
          break
        } else if v.kind == .comma {
          values.append("")
        } else {
          throw error(text, v.position, "found '\(v.value)', expected: ',', ')' or identifier")
        }
      }
      return Requirement(key: key, op: op.kind == .inKeyword ? .in : .notIn, values: values)
    default:
      throw error(text, op.position, "found '\(op.value)', expected: in, notin, =, ==, !=, gt, lt")
    }
  }

  /// A qualified name (`[prefix/]name`): name ≤ 63 characters of `[A-Za-z0-9._-]` starting and ending
  /// alphanumeric; the prefix a DNS subdomain.
  static func validateKey(_ key: String, _ text: String, _ pos: Int) throws {
    let parts = key.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count <= 2, let name = parts.last, isQualifiedName(name),
      parts.count == 1 || KubernetesNames.dnsSubdomainErrors(String(parts[0])).isEmpty
    else {
      throw error(
        text, pos,
        "invalid label key \"\(key)\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/'"
      )
    }
  }

  static func validateValue(_ value: String, _ text: String, _ pos: Int) throws {
    guard value.isEmpty || isQualifiedName(Substring(value)) else {
      throw error(
        text, pos,
        "invalid label value: \"\(value)\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
      )
    }
  }

  static func isQualifiedName(_ s: Substring) -> Bool {
    guard !s.isEmpty, s.utf8.count <= 63, let f = s.first, let l = s.last else { return false }
    func alnum(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
    return alnum(f) && alnum(l) && s.allSatisfy { alnum($0) || $0 == "-" || $0 == "_" || $0 == "." }
  }

  /// apimachinery's selector lexer: identifiers run until whitespace or a special character.
  struct Lexer {
    enum Kind { case identifier, comma, bang, equals, doubleEquals, notEquals, inKeyword, notInKeyword, openParen, closeParen, end, error }
    struct Token { var kind: Kind; var value: String; var position: Int }
    let s: [Unicode.Scalar]
    var i = 0
    var pushed: [Token] = []
    init(_ s: [Unicode.Scalar]) { self.s = s }

    mutating func pushBack(_ t: Token) { pushed.append(t) }

    mutating func peek() -> Token {
      let t = next()
      pushBack(t)
      return t
    }

    static let specials: Set<Unicode.Scalar> = ["=", "!", "(", ")", ","]

    mutating func next() -> Token {
      if let t = pushed.popLast() { return t }
      while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1 }
      guard i < s.count else { return Token(kind: .end, value: "", position: i) }
      let start = i
      let c = s[i]
      if Self.specials.contains(c) {
        var text = String(c)
        i += 1
        if i < s.count, (c == "=" || c == "!") && s[i] == "=" {
          text.unicodeScalars.append(s[i])
          i += 1
        }
        let kind: Kind
        switch text {
        case ",": kind = .comma
        case "!": kind = .bang
        case "=": kind = .equals
        case "==": kind = .doubleEquals
        case "!=": kind = .notEquals
        case "(": kind = .openParen
        case ")": kind = .closeParen
        default: kind = .error
        }
        return Token(kind: kind, value: text, position: start)
      }
      var text = ""
      while i < s.count, !Self.specials.contains(s[i]), s[i] != " ", s[i] != "\t", s[i] != "\n", s[i] != "\r" {
        text.unicodeScalars.append(s[i])
        i += 1
      }
      if text == "in" { return Token(kind: .inKeyword, value: text, position: start) }
      if text == "notin" { return Token(kind: .notInKeyword, value: text, position: start) }
      return Token(kind: .identifier, value: text, position: start)
    }
  }
}
