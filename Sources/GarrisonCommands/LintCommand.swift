import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonImages
import GarrisonKernel
import GarrisonLint
import GarrisonManifest
import GarrisonCompiler

/// `garrison lint`: checks manifests against the Pod Security Standards and hardening rules.
public struct LintCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "lint",
    abstract: "Check pod manifests against the Pod Security Standards and hardening rules.",
    discussion: """
      Reads files, directories (recursively: *.yaml, *.yml, *.json) and - (standard input). Every workload
      kind is checked (Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController,
      PodTemplate, and List). Namespace objects in the input with pod-security.kubernetes.io/enforce and
      enforce-version labels set the level and version for the objects of that namespace in the same file and
      in the files of its directory and below, unless --level or --pss-version is given or
      --namespace-labels=ignore; each finding says which policy applied. An object the Kubernetes API server
      would refuse is reported (api.invalid) and still checked. Settings are read from .garrison.yaml (found
      upwards from the working directory) or --config.

      Exit codes: 0 no finding at or above --fail-on; 1 findings at or above --fail-on; 2 usage errors,
      unreadable or unparsable input, or no Kubernetes objects.
      """)

  @Argument(help: "Files, directories or - for standard input.")
  var paths: [String] = []

  @Option(help: "Output format: text, json, sarif or junit.")
  var format: String = "text"

  @Option(help: "Pod Security Standards level: privileged, baseline or restricted (default: restricted).")
  var level: String?

  @Option(name: .customLong("pss-version"), help: "Pod Security Standards version: latest or v1.N (default: latest).")
  var pssVersion: String?

  @Option(
    name: .customLong("fail-on"), help: "Exit 1 when a finding has this severity or higher: info, warning, error or none (default: error).")
  var failOn: String?

  @Option(help: "Configuration file (default: .garrison.yaml in the working directory or a parent).")
  var config: String?

  @Flag(name: .customLong("no-config"), help: "Do not read .garrison.yaml.")
  var noConfig = false

  @Option(
    name: .customLong("namespace-labels"),
    help:
      "apply (default): pod-security labels of Namespace objects in the input set the policy of the objects they govern; ignore: they do not."
  )
  var namespaceLabels: String = "apply"

  @Flag(name: .customLong("no-hardening"), help: "Run only the Pod Security Standards checks.")
  var noHardening = false

  @Option(help: "Explain a check: what it looks for and how to fix it.")
  var explain: String?

  @Flag(name: .customLong("list-checks"), help: "List every check with its severity and title.")
  var listChecks = false

  @Option(name: [.customShort("o"), .long], help: "Write the report to this file instead of standard output.")
  var output: String?

  @Option(help: "Colour in text output: auto (only on a terminal), always or never.")
  var color: String = "auto"

  @Option(help: "Directory with the lint rule metadata (default: Policies/lint found next to the executable).")
  var policies: String?

  @Flag(
    name: [.customShort("v"), .long],
    help:
      "Also say, on stderr, which objects were read but not checked (kinds Garrison does not model: custom resources, Services, webhook configurations, ...)."
  )
  var verbose = false

  @Flag(
    help:
      "Also compile each pod with the policy compiler: show what the runtime would enforce per container, and report pods it would refuse (garrison.compileError)."
  )
  var effective = false

  public init() {}

  public func run() throws {
    do {
      try execute()
    } catch let e as GarrisonError {
      FileHandle.standardError.write(Data("garrison lint: \(e)\n".utf8))
      throw ExitCode(e.exitCode)
    }
  }

  private func usage(_ message: String) -> GarrisonError {
    GarrisonError(.usage, operation: "lint", message)
  }

  func execute() throws {
    // Lint frees each window of files' memory before the next: keeping it spares a page fault per page per window
    // (at 10,000 pods 2,100 faults instead of 6,500 for text, 4,400 instead of 31,000 for JSON; peak RSS +1 to
    // +4 MB).
    HeapRetention.keepFreed(upTo: 16 << 20)
    let env = ProcessInfo.processInfo.environment
    let catalog = try RuleCatalog.load(directory: try LintRulesLocator.lintDirectory(explicit: policies, environment: env))

    if listChecks {
      for r in catalog.sorted {
        let level = r.level.map { " [\($0) since \(r.since ?? "v1.0")]" } ?? ""
        print(
          "\(r.id.padding(toLength: 40, withPad: " ", startingAt: 0)) \(r.severity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(r.title)\(level)"
        )
      }
      return
    }
    if let id = explain {
      guard let r = catalog[id] ?? catalog["pss." + id] else {
        throw usage("unknown check \"\(id)\" (see garrison lint --list-checks)")
      }
      print(Explain.text(r))
      return
    }

    guard let outputFormat = OutputFormat(rawValue: format) else {
      throw usage("--format must be text, json, sarif or junit (got \"\(format)\")")
    }
    guard ["auto", "always", "never"].contains(color) else { throw usage("--color must be auto, always or never") }
    guard !paths.isEmpty else { throw usage("no input: give files, directories or - for standard input") }

    var options = LintOptions()
    if let level {
      guard let l = PSSLevel(rawValue: level) else { throw usage("--level must be privileged, baseline or restricted (got \"\(level)\")") }
      options.level = l
      options.levelIsExplicit = true
    }
    if let pssVersion {
      guard let v = PSSVersion(parsing: pssVersion) else { throw usage("--pss-version must be latest or v1.N (got \"\(pssVersion)\")") }
      options.version = v
      options.versionIsExplicit = true
    }
    guard namespaceLabels == "apply" || namespaceLabels == "ignore" else {
      throw usage("--namespace-labels must be apply or ignore (got \"\(namespaceLabels)\")")
    }
    options.namespaceLabels = namespaceLabels == "apply"
    var threshold = FailThreshold.error
    var configFile: LintConfig?
    if !noConfig {
      let path = try config ?? LintConfig.discover(from: FileSystemCWD.current())
      if let path { configFile = try LintConfig.load(path: path) }
    }
    if let configFile {
      options.apply(configFile)
      if let f = configFile.failOn { threshold = f }
    }
    if let failOn {
      guard let f = FailThreshold(rawValue: failOn) else {
        throw usage("--fail-on must be info, warning, error or none (got \"\(failOn)\")")
      }
      threshold = f
    }
    if noHardening { options.hardening = false }
    if level != nil || pssVersion != nil { options.policySource = "command line" }
    for id in options.enable.union(options.disable) where catalog[id] == nil {
      throw GarrisonError(.invalid, operation: "lint", "\(configFile?.file ?? "config"): unknown check \"\(id)\" in lint.checks")
    }
    for e in options.exemptions {
      for id in e.checks.sorted() where id != "*" && catalog[id] == nil {
        throw GarrisonError(.invalid, operation: "lint", "unknown check \"\(id)\" in an exemption", at: e.location)
      }
    }

    // Lint reads the typed model only: no JSON copies of pod specs (those are for commands that run pods).
    let inputs = ManifestLoader.inputs(paths: paths, keepJSON: false)
    // The files read (directories expanded), for the summary and the per-file JUnit suites.
    let files = inputs.map(\.name)
    let useColor = color == "always" || (color == "auto" && output == nil && Terminal.isColorTerminal(env))
    var text = ""
    let sink: (String) -> Void = { piece in
      // To a file: written whole at the end; to standard output: as it is formatted (a large report is never
      // held whole).
      if output != nil { text += piece } else { FileHandle.standardOutput.write(Data(piece.utf8)) }
    }
    let engine = LintEngine(catalog: catalog, options: options)
    let noObjects = GarrisonError(.notFound, operation: "lint", "no Kubernetes objects found in \(paths.joined(separator: ", "))")
    let unreadable = GarrisonError(.invalid, operation: "lint", "no Kubernetes objects could be read")
    if !verbose && !effective, let streamed = LintStream.format(outputFormat, catalog: catalog, color: useColor, options: options) {
      // A file at a time: memory stays flat as the input grows.
      let outcome = try LintStream(engine: engine).run(inputs: inputs, files: files, format: streamed) { piece in
        // To standard output, the bytes as they are (no string, no copy).
        guard output == nil else { return text += String(decoding: piece, as: UTF8.self) }
        guard let base = piece.baseAddress, piece.count > 0 else { return }
        FileHandle.standardOutput.write(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: piece.count, deallocator: .none))
      }
      guard outcome.readAnything else { throw noObjects }
      if let output { try Self.write(text, to: output) }
      guard outcome.readObjects else { throw unreadable }
      let code = outcome.report.exitCode(failOn: threshold)
      if code != 0 { throw ExitCode(code) }
      return
    }
    let load = ManifestLoader.load(inputs, keepJSON: false)
    if load.objects.isEmpty && load.partial.isEmpty && load.errors.isEmpty && load.skipped.isEmpty { throw noObjects }
    if verbose {
      for k in load.skipped {
        FileHandle.standardError.write(
          Data(
            "\(k.location): info: \(k.kind) \(k.name ?? "(unnamed)") (\(k.apiVersion)) read, not checked: garrison lint does not model this kind\n"
              .utf8))
      }
    }
    var report = engine.lint(load, files: files)
    if effective {
      // The policy compiler's view: what the runtime would enforce, and which pods it would refuse.
      // Image USERs come from the local image store, as for `garrison compile`.
      var compilerOptions = CompilerOptions()
      compilerOptions.compileBPF = false
      compilerOptions.imageUser = ImageUserLookup.make(root: ImageStore.defaultRoot(environment: env))
      let compiler = try PolicyCompiler(options: compilerOptions)
      let result = EffectivePlans.compute(objects: load.objects, compiler: compiler)
      report.addEffective(result.containers, findings: result.findings)
    }
    try outputFormat.write(report, catalog: catalog, failOn: threshold, color: useColor, to: sink)
    if let output { try Self.write(text, to: output) }
    if load.objects.isEmpty && load.partial.isEmpty && load.skipped.isEmpty { throw unreadable }
    let code = report.exitCode(failOn: threshold)
    // The manifests and the report are left for the process exit to reclaim: freeing 10,000 objects' fields
    // and 90,000 findings one by one was about a tenth of a large run.
    LastRun.keep((load, report))
    if code != 0 { throw ExitCode(code) }
  }
}

extension LintCommand {
  /// Writes the report to `-o FILE`.
  static func write(_ text: String, to output: String) throws {
    guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
      throw GarrisonError(.system, operation: "write", "cannot write \(output)")
    }
  }
}

/// Holds the last lint run's data until the next run or the process exit, so the command does not spend its end
/// releasing it (each run replaces the previous one: memory stays bounded when the command runs in-process).
private enum LastRun {
  nonisolated(unsafe) static var data: Any?
  static func keep(_ value: Any) { data = value }
}

/// The working directory, for config discovery.
enum FileSystemCWD {
  static func current() throws -> String { FileManager.default.currentDirectoryPath }
}

/// Whether standard output is a colour terminal (`NO_COLOR` and `TERM=dumb` turn colour off).
enum Terminal {
  static func isColorTerminal(_ env: [String: String]) -> Bool {
    if env["NO_COLOR"] != nil { return false }
    if env["TERM"] == "dumb" { return false }
    return isatty(1) == 1
  }
}
