import GarrisonCore
import GarrisonManifest

/// The metadata of one lint check, loaded from `Policies/lint/*.yaml`.
public struct Rule: Codable, Sendable, Hashable {
  public var id: String
  /// The pod-security-admission check ID, for PSS rules.
  public var k8sCheck: String?
  /// `baseline` or `restricted`, for PSS rules.
  public var level: String?
  /// The first policy version with the check, for PSS rules.
  public var since: String?
  public var severity: Severity
  public var title: String
  public var description: String
  public var remediation: String
  public var helpUri: String?

  /// `pss`, `hardening` or `garrison` (the part of the ID before the first dot).
  public var category: String { String(id.prefix { $0 != "." }) }
}

/// All rule metadata, keyed by ID.
public struct RuleCatalog: Sendable {
  public private(set) var rules: [String: Rule]

  public init(rules: [Rule]) {
    var byID: [String: Rule] = [:]
    for r in rules { byID[r.id] = r }
    self.rules = byID
  }

  public subscript(id: String) -> Rule? { rules[id] }

  /// Rules sorted by ID (stable order for SARIF `rules` and `--explain` listings).
  public var sorted: [Rule] { rules.values.sorted { $0.id < $1.id } }

  /// Parses one catalog file's text: a mapping whose `rules` is a list of rules. Duplicate IDs are an error.
  /// Read from the YAML tree as `Codable` would read its JSON value (other keys ignored; a string field must be a
  /// string scalar; an optional one may be absent or null; a duplicate key's last value counts), without the
  /// `Codable` machinery: its type metadata and conformance lookups were a fifth of every lint run's start.
  public static func parse(_ text: String, file: String) throws -> [Rule] {
    do {
      guard let tree = try YAMLTree.parse(text, file: file) else { throw CatalogError("the file is empty") }
      guard case .sequence(let items)? = try fields(tree, "the file")["rules"]?.content else {
        throw CatalogError("rules: expected a list")
      }
      return try items.enumerated().map { i, item in try rule(item, at: "rules[\(i)]") }
    } catch {
      throw GarrisonError(.invalid, operation: "load lint rules", "\(file): \(error)")
    }
  }

  /// Why a catalog file cannot be read.
  private struct CatalogError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }

  /// A mapping's values by key (the last of a duplicate key).
  private static func fields(_ node: YAMLTree, _ what: String) throws -> [String: YAMLTree] {
    guard case .mapping(let pairs) = node.content else {
      throw CatalogError("\(what) (line \(node.line)): expected a mapping")
    }
    var fields: [String: YAMLTree] = [:]
    for p in pairs { fields[p.key.scalar ?? ""] = p.value }
    return fields
  }

  private static func rule(_ node: YAMLTree, at path: String) throws -> Rule {
    let f = try fields(node, path)
    /// A string field: nil when absent or null; an error for any other value.
    func optional(_ key: String) throws -> String? {
      guard let v = f[key] else { return nil }
      switch v.content {
      case .scalar(_, .null): return nil
      case .scalar(let s, .string): return s
      default: throw CatalogError("\(path).\(key) (line \(v.line)): expected a string")
      }
    }
    func required(_ key: String) throws -> String {
      guard let s = try optional(key) else { throw CatalogError("\(path).\(key): missing") }
      return s
    }
    let severityText = try required("severity")
    guard let severity = Severity(rawValue: severityText) else {
      throw CatalogError("\(path).severity: \"\(severityText)\" is not info, warning or error")
    }
    return Rule(
      id: try required("id"), k8sCheck: try optional("k8sCheck"), level: try optional("level"), since: try optional("since"),
      severity: severity, title: try required("title"), description: try required("description"),
      remediation: try required("remediation"), helpUri: try optional("helpUri"))
  }

  /// Loads every `*.yaml` in `directory` (the `Policies/lint` directory).
  public static func load(directory: String) throws -> RuleCatalog {
    let files = try FileSystem.listFiles(directory).filter { $0.hasSuffix(".yaml") }.sorted()
    guard !files.isEmpty else {
      throw GarrisonError(.notFound, operation: "load lint rules", "no *.yaml rule files in \(directory)")
    }
    var all: [Rule] = []
    var seen: Set<String> = []
    for f in files {
      let path = directory + "/" + f
      for r in try parse(try FileSystem.readText(path), file: path) {
        guard seen.insert(r.id).inserted else {
          throw GarrisonError(.invalid, operation: "load lint rules", "\(path): duplicate rule id \(r.id)")
        }
        all.append(r)
      }
    }
    return RuleCatalog(rules: all)
  }
}
