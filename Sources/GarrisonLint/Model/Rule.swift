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

  private struct File: Decodable { var rules: [Rule] }

  /// Parses one catalog file's text. Duplicate IDs are an error.
  public static func parse(_ text: String, file: String) throws -> [Rule] {
    do {
      return try YAMLTree.decode(File.self, from: text, file: file).rules
    } catch {
      throw GarrisonError(.invalid, operation: "load lint rules", "\(file): \(error)")
    }
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
