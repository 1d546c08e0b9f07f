import ArgumentParser
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel
import GarrisonLSMHost
import GarrisonRuntime
import Glibc

/// `spec`: write a default config.json.
struct OCISpec: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "spec", abstract: "Write a default config.json.")
  @OptionGroup var global: OCIGlobalOptions
  @Option(name: [.short, .long], help: "Bundle directory to write config.json into.") var bundle: String = "."
  func run() throws {
    try global.perform {
      let path = PathName.join(absolute(bundle), "config.json")
      if FileManager.default.fileExists(atPath: path) {
        throw GarrisonError(.exists, "\(path) already exists")
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      guard FileManager.default.createFile(atPath: path, contents: try encoder.encode(DefaultSpec.make())) else {
        throw GarrisonError(.system, operation: "write \(path)", "cannot write config.json")
      }
      return 0
    }
  }
}

/// `features`: what this runtime supports, as JSON.
struct OCIFeatures: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "features", abstract: "Print supported features.")
  @OptionGroup var global: OCIGlobalOptions
  func run() throws {
    try global.perform {
      let host = HostLSM.current
      let doc = RuntimeFeatures.document(appArmor: host.appArmor, seLinux: host.seLinuxEnabled)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      let data = try encoder.encode(JSONObject(doc))
      print(String(decoding: data, as: UTF8.self))
      return 0
    }
  }
}

/// A JSON-compatible value tree (`[String: Any]` of strings, booleans, numbers, arrays and objects) as `Encodable`,
/// for documents built as Foundation property lists.
struct JSONObject: Encodable {
  let value: Any

  init(_ value: Any) { self.value = value }

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  func encode(to encoder: any Encoder) throws {
    switch value {
    case let object as [String: Any]:
      var container = encoder.container(keyedBy: Key.self)
      for (key, element) in object { try container.encode(JSONObject(element), forKey: Key(stringValue: key)) }
    case let array as [Any]:
      var container = encoder.unkeyedContainer()
      for element in array { try container.encode(JSONObject(element)) }
    case let string as String:
      var container = encoder.singleValueContainer()
      try container.encode(string)
    case let bool as Bool:
      var container = encoder.singleValueContainer()
      try container.encode(bool)
    case let int as Int:
      var container = encoder.singleValueContainer()
      try container.encode(int)
    case let double as Double:
      var container = encoder.singleValueContainer()
      try container.encode(double)
    default:
      throw EncodingError.invalidValue(
        value, .init(codingPath: encoder.codingPath, debugDescription: "not a JSON value: \(type(of: value))"))
    }
  }
}
