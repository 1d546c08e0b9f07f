import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonRuntime

/// `spec`: write a default config.json.
struct OCISpec: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "spec", abstract: "Write a default config.json.")
  @OptionGroup var global: OCIGlobalOptions
  @Option(name: [.short, .long], help: "Bundle directory to write config.json into.") var bundle: String = "."
  func run() throws {
    try global.perform {
      let path = (absolute(bundle) as NSString).appendingPathComponent("config.json")
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
      let aa = (try? String(contentsOfFile: "/sys/module/apparmor/parameters/enabled", encoding: .utf8)) ?? ""
      let doc = RuntimeFeatures.document(
        appArmor: aa.hasPrefix("Y"), seLinux: FileManager.default.fileExists(atPath: "/sys/fs/selinux/enforce"))
      let data = try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys])
      print(String(decoding: data, as: UTF8.self))
      return 0
    }
  }
}
