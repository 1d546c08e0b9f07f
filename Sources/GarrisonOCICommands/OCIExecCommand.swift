import ArgumentParser
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonAudit
import GarrisonCore
import GarrisonOCI
import GarrisonRuntime
import Glibc

/// `exec`: run a process in a running container with the container's confinement.
struct OCIExec: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "exec", abstract: "Run a process in a container.")
  @OptionGroup var global: OCIGlobalOptions
  @Option(name: [.short, .long], help: "process.json (OCI process object).") var process: String?
  @Flag(name: [.short, .long]) var detach = false
  @Option(name: .customLong("pid-file")) var pidFile: String?
  @Flag(
    name: [.short, .long],
    help: "Allocate a terminal (a foreground exec proxies it to this terminal; with --detach, --console-socket receives it).") var tty =
    false
  @Option(name: .customLong("console-socket"), help: "Unix socket path that receives the pty master.")
  var consoleSocket: String?
  @Option(name: [.short, .long], help: "Extra environment variables.") var env: [String] = []
  @Option(name: .long, help: "Working directory.") var cwd: String?
  @OptionGroup var clientCompat: OCIClientCompatOptions
  @Argument var id: String
  @Argument(parsing: .captureForPassthrough) var args: [String] = []

  func run() throws {
    try global.perform(audit: .containerExec, id: id) {
      let inherited = try clientCompat.values.inheritedDescriptors(for: "exec", socketActivation: false)
      let runtime = try global.runtime()
      var proc: RuntimeSpec.Process
      if let process {
        guard let data = FileManager.default.contents(atPath: process) else {
          throw GarrisonError(.notFound, "cannot read --process \(process)")
        }
        do { proc = try JSONDecoder().decode(RuntimeSpec.Process.self, from: data) } catch {
          throw GarrisonError(.invalid, "\(process): invalid process JSON: \(error)")
        }
      } else {
        let passed = args.first == "--" ? Array(args.dropFirst()) : args
        guard !passed.isEmpty else { throw GarrisonError(.usage, "exec needs --process or a command") }
        proc = try runtime.defaultExecProcess(id: id, args: passed, extraEnv: env, cwd: cwd)
      }
      if tty { proc.terminal = true }
      let bundle = try runtime.store.load(id).bundle
      try OCIAudit.append(
        AuditEvent(
          kind: .containerExec, outcome: .allowed, object: OCIAudit.object(id: id, bundle: bundle),
          details: AuditDetails.containerExec(command: proc.args ?? [], uid: proc.user.uid, tty: tty)))
      return try runtime.exec(
        id: id, process: proc, detach: detach, pidFile: pidFile.map(absolute),
        consoleSocket: consoleSocket.map(absolute), extraFDs: inherited.total)
    }
  }
}
