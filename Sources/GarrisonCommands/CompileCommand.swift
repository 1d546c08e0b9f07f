import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonPlan
import GarrisonCompiler
import GarrisonLSMHost

/// `garrison compile`: enforcement plans, or OCI bundles' `config.json`, for every container.
struct CompileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compile",
    abstract: "Compile manifests into enforcement plans or OCI runtime-spec config.json files.",
    discussion: """
      --format plan writes one JSON plan per container (schema: docs/plan-schema.md) with its sha256 digest.
      --format oci writes an OCI config.json per container that runc and crun accept as is; with -o each goes to
      DIR/<namespace>_<kind>_<name>_<container>/config.json (add a rootfs/ beside it to run it); plans are
      DIR/<namespace>_<kind>_<name>_<container>.plan.json (kind in lower case: pod, deployment, ...). Two
      containers that would get the same name (the same object twice) are refused (exit 2) naming both objects.
      Nothing is written unless every container compiles.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable { case plan, oci }

  @OptionGroup var flags: CompilerFlags
  @Option(help: "Output format: plan or oci.") var format: Format = .plan
  @Option(name: [.short, .customLong("output")], help: "Directory to write files into (default: standard output).")
  var output: String?

  /// The output name of a container: namespace, kind, object name and container. Namespaces, pod-bearing object
  /// names and container names are DNS labels or subdomains and kinds are alphanumeric, so no part holds a `_`
  /// and two containers share a name only when they are the same container of the same object.
  static func baseName(_ c: CompiledContainer) -> String {
    "\(c.plan.pod.namespace)_\(c.plan.pod.sourceKind.lowercased())_\(c.plan.pod.name)_\(c.plan.container.name)"
  }

  /// Refuses two containers with the same output name (exit 2), naming both objects and where they are.
  static func checkCollisions(_ compiled: [CompiledContainer]) throws {
    var seen: [String: CompiledContainer] = [:]
    for c in compiled {
      let base = baseName(c)
      guard let first = seen[base] else {
        seen[base] = c
        continue
      }
      func at(_ c: CompiledContainer) -> String { c.objectLocation.map { " (\($0))" } ?? "" }
      Diagnostics.print(
        GarrisonError(
          .invalid,
          "\(first.objectReference)\(at(first)) and \(c.objectReference)\(at(c)) would both be written as \(base): "
            + "container \"\(c.plan.container.name)\" of the same object appears twice; nothing was written",
          at: c.objectLocation),
        severity: "error")
      throw ExitCode(ExitCodes.badInput)
    }
  }

  func run() throws {
    let compiled = try flags.compileAll(try flags.loadObjects())
    try Self.checkCollisions(compiled)
    var files: [(String, Data)] = []
    for c in compiled {
      let p = c.plan
      let base = Self.baseName(c)
      switch format {
      case .plan: files.append(("\(base).plan.json", try CanonicalJSON.pretty(p)))
      case .oci: files.append(("\(base)/config.json", try CanonicalJSON.pretty(try OCIConfigBuilder.build(p, host: .current))))
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
