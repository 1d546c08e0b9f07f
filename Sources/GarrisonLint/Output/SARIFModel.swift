/// The subset of SARIF 2.1.0 that `garrison lint` writes, as Encodable values (fast to encode, and the
/// compiler checks the field names). Optional fields left nil are omitted.
enum SARIF {
  struct Log: Encodable {
    static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    var schema = Log.schemaURI
    var version = "2.1.0"
    var runs: [Run]
    enum CodingKeys: String, CodingKey {
      case schema = "$schema"
      case version, runs
    }
  }
  struct Run: Encodable {
    var tool: Tool
    var columnKind = "unicodeCodePoints"
    var results: [Result]
    var invocations: [Invocation]
  }
  struct Tool: Encodable { var driver: Driver }
  struct Driver: Encodable {
    var name: String
    var fullName: String
    var version: String
    var semanticVersion: String
    var informationUri: String
    var rules: [ReportingDescriptor]
  }
  struct Text: Encodable {
    var text: String
    var markdown: String?
  }
  struct ReportingDescriptor: Encodable {
    var id: String
    var name: String
    var shortDescription: Text
    var fullDescription: Text
    var help: Text
    var helpUri: String?
    var defaultConfiguration: Configuration
    var properties: RuleProperties
  }
  struct Configuration: Encodable { var level: String }
  struct RuleProperties: Encodable {
    var tags: [String]
    var securitySeverity: String
    var since: String?
    enum CodingKeys: String, CodingKey {
      case tags
      case securitySeverity = "security-severity"
      case since
    }
  }
  struct Invocation: Encodable {
    var executionSuccessful: Bool
    var properties: [String: String]
  }
  struct Result: Encodable {
    var ruleId: String
    var ruleIndex: Int?
    var level: String
    var message: Text
    var locations: [Location]?
    var partialFingerprints: [String: String]
    var properties: [String: String]?
    var suppressions: [Suppression]?
  }
  struct Location: Encodable {
    var physicalLocation: PhysicalLocation? = nil
    var logicalLocations: [LogicalLocation]? = nil
  }
  struct PhysicalLocation: Encodable {
    var artifactLocation: ArtifactLocation
    var region: Region
  }
  struct ArtifactLocation: Encodable { var uri: String }
  struct Region: Encodable {
    var startLine: Int
    var startColumn: Int
  }
  struct LogicalLocation: Encodable {
    var fullyQualifiedName: String
    var decoratedName: String?
    var kind: String
  }
  struct Suppression: Encodable {
    var kind: String
    var status: String
    var justification: String?
  }
}
