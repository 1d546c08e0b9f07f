import GarrisonCore
import GarrisonManifest

/// The `lint:` section of `.garrison.yaml`: defaults for the command-line options, checks to turn on
/// or off, and exemptions.
///
/// ```yaml
/// lint:
///   level: restricted        # privileged | baseline | restricted
///   pssVersion: latest       # latest | v1.N
///   failOn: error            # info | warning | error | none
///   hardening: true          # run the hardening checks
///   checks:
///     disable: [hardening.probes]
///     enable: [hardening.imageDigest]   # wins over disable and over hardening: false
///   exemptions:
///     - checks: [pss.runAsNonRoot]      # or ["*"]
///       namespaces: [legacy]
///       names: ["db-*"]
///       images: ["registry.example/old/*"]
///       reason: vendor image runs as root
/// ```
/// Unknown keys are errors (a typo must not silently turn a check off).
public struct LintConfig: Sendable, Equatable {
  public var file: String?
  public var level: PSSLevel?
  public var pssVersion: PSSVersion?
  public var failOn: FailThreshold?
  public var hardening: Bool?
  public var enable: Set<String> = []
  public var disable: Set<String> = []
  public var exemptions: [ConfigExemption] = []

  public init() {}

  /// The name looked for upwards from the working directory.
  public static let fileName = ".garrison.yaml"

  /// Finds `.garrison.yaml` in `directory` or a parent.
  public static func discover(from directory: String) -> String? {
    FileSystem.findUpwards(fileName, from: directory)
  }

  /// Reads and parses a config file.
  public static func load(path: String) throws -> LintConfig {
    try parse(try FileSystem.readText(path), file: path)
  }

  /// Parses config text; errors carry `file:line:col`.
  public static func parse(_ text: String, file: String) throws -> LintConfig {
    var config = LintConfig()
    config.file = file
    guard let root = try YAMLTree.parse(text, file: file) else { return config }
    let top = try ConfigReader(node: root, path: FieldPath(), file: file)
    try top.allowOnly(["lint"])
    guard let lintNode = top.value("lint") else { return config }
    let lint = try ConfigReader(node: lintNode, path: FieldPath("lint"), file: file)
    try lint.allowOnly(["level", "pssVersion", "failOn", "hardening", "checks", "exemptions"])
    if let s = try lint.string("level") {
      guard let l = PSSLevel(rawValue: s) else { throw lint.error("level", "must be privileged, baseline or restricted") }
      config.level = l
    }
    if let s = try lint.string("pssVersion") {
      guard let v = PSSVersion(parsing: s) else { throw lint.error("pssVersion", "must be \"latest\" or \"v1.N\"") }
      config.pssVersion = v
    }
    if let s = try lint.string("failOn") {
      guard let f = FailThreshold(rawValue: s) else { throw lint.error("failOn", "must be info, warning, error or none") }
      config.failOn = f
    }
    config.hardening = try lint.bool("hardening")
    if let checksNode = lint.value("checks") {
      let checks = try ConfigReader(node: checksNode, path: lint.path / "checks", file: file)
      try checks.allowOnly(["enable", "disable"])
      config.enable = Set(try checks.stringList("enable") ?? [])
      config.disable = Set(try checks.stringList("disable") ?? [])
    }
    if let list = lint.value("exemptions") {
      guard let seq = list.items else { throw lint.error("exemptions", "must be a list") }
      for (i, item) in seq.enumerated() {
        let r = try ConfigReader(node: item, path: lint.path / "exemptions" / i, file: file)
        try r.allowOnly(["checks", "namespaces", "names", "images", "reason"])
        guard let checks = try r.stringList("checks"), !checks.isEmpty else {
          throw r.error("checks", "Required value: an exemption names the checks it exempts (or \"*\")")
        }
        config.exemptions.append(
          ConfigExemption(
            index: i, checks: Set(checks), namespaces: try r.stringList("namespaces") ?? [],
            names: (try r.stringList("names") ?? []).map(Glob.init),
            images: (try r.stringList("images") ?? []).map(Glob.init),
            reason: try r.string("reason"), location: r.location))
      }
    }
    return config
  }
}

/// One entry of `lint.exemptions`: the checks it exempts, for objects matching every selector given
/// (namespaces exactly; names and images as globs).
public struct ConfigExemption: Sendable, Equatable {
  public var index: Int
  public var checks: Set<String>
  public var namespaces: [String]
  public var names: [Glob]
  public var images: [Glob]
  public var reason: String?
  public var location: SourceLocation

  /// Whether this exemption covers `finding` (about an object in `namespace`, container image `image`).
  public func covers(_ finding: Finding, namespace: String, image: String?) -> Bool {
    guard checks.contains("*") || checks.contains(finding.checkID) else { return false }
    if !namespaces.isEmpty && !namespaces.contains(namespace) { return false }
    if !names.isEmpty {
      guard let name = finding.object?.name, names.contains(where: { $0.matches(name) }) else { return false }
    }
    if !images.isEmpty {
      guard let image, images.contains(where: { $0.matches(image) }) else { return false }
    }
    return true
  }

  /// `checks [...] for namespaces [...] ...`, for the unused-exemption message.
  public var summary: String {
    var parts = ["checks " + checks.sorted().joined(separator: ",")]
    if !namespaces.isEmpty { parts.append("namespaces " + namespaces.joined(separator: ",")) }
    if !names.isEmpty { parts.append("names " + names.map(\.pattern).joined(separator: ",")) }
    if !images.isEmpty { parts.append("images " + images.map(\.pattern).joined(separator: ",")) }
    return parts.joined(separator: " ")
  }
}

/// Reads a config mapping with positions; every error carries `file:line:col` and the key path.
struct ConfigReader {
  let pairs: [YAMLTree.Pair]
  let path: FieldPath
  let file: String
  let location: SourceLocation

  init(node: YAMLTree, path: FieldPath, file: String) throws {
    let loc = SourceLocation(file: file, line: node.line, column: node.column)
    guard let p = node.pairs else {
      throw GarrisonError(.invalid, operation: "parse config", "must be a mapping", field: path, at: loc)
    }
    self.pairs = p
    self.path = path
    self.file = file
    self.location = loc
  }

  func value(_ key: String) -> YAMLTree? { pairs.first { $0.key.scalar == key }?.value }

  func position(of key: String) -> SourceLocation {
    if let n = value(key) { return SourceLocation(file: file, line: n.line, column: n.column) }
    return location
  }

  func error(_ key: String, _ message: String) -> GarrisonError {
    GarrisonError(.invalid, operation: "parse config", message, field: path / key, at: position(of: key))
  }

  func allowOnly(_ keys: Set<String>) throws {
    for p in pairs {
      guard let name = p.key.scalar, keys.contains(name) else {
        throw GarrisonError(
          .invalid, operation: "parse config",
          "unknown field \"\(p.key.scalar ?? "?")\" (known: \(keys.sorted().joined(separator: ", ")))",
          field: path, at: SourceLocation(file: file, line: p.key.line, column: p.key.column))
      }
    }
  }

  func string(_ key: String) throws -> String? {
    guard let n = value(key) else { return nil }
    guard let s = n.scalar else { throw error(key, "must be a string") }
    return s
  }

  func bool(_ key: String) throws -> Bool? {
    guard let n = value(key) else { return nil }
    guard let b = n.bool else { throw error(key, "must be true or false") }
    return b
  }

  func stringList(_ key: String) throws -> [String]? {
    guard let n = value(key) else { return nil }
    guard let seq = n.items else { throw error(key, "must be a list of strings") }
    return try seq.map { item in
      guard let s = item.scalar else { throw error(key, "must be a list of strings") }
      return s
    }
  }
}
