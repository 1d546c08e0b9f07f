import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonPlan
import GarrisonPolicy

/// `garrison compile`: enforcement plans, or OCI bundles' `config.json`, for every container.
struct CompileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compile",
    abstract: "Compile manifests into enforcement plans or OCI runtime-spec config.json files.",
    discussion: """
      --format plan writes one JSON plan per container (schema: docs/plan-schema.md) with its sha256 digest.
      --format oci writes an OCI config.json per container that runc and crun accept as is; with -o each goes to
      DIR/<namespace>_<pod>_<container>/config.json (add a rootfs/ beside it to run it).
      Nothing is written unless every container compiles.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable { case plan, oci }

  @OptionGroup var flags: CompilerFlags
  @Option(help: "Output format: plan or oci.") var format: Format = .plan
  @Option(name: [.short, .customLong("output")], help: "Directory to write files into (default: standard output).")
  var output: String?

  func run() throws {
    let compiled = try flags.compileAll(try flags.loadObjects())
    var files: [(String, Data)] = []
    for c in compiled {
      let p = c.plan
      let base = "\(p.pod.namespace)_\(p.pod.name)_\(p.container.name)"
      switch format {
      case .plan: files.append(("\(base).plan.json", try CanonicalJSON.pretty(p)))
      case .oci: files.append(("\(base)/config.json", try CanonicalJSON.pretty(try OCIConfigBuilder.build(p))))
      }
    }
    guard let output else {
      for (name, data) in files {
        if files.count > 1 { print("# \(name)") }
        print(String(decoding: data, as: UTF8.self))
      }
      return
    }
    let fm = FileManager.default
    for (name, data) in files {
      let url = URL(fileURLWithPath: output).appendingPathComponent(name)
      try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try data.write(to: url, options: .atomic)
      print(url.path)
    }
  }
}
