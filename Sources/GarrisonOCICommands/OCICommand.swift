import ArgumentParser
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonAudit
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import GarrisonLSMHost
import GarrisonRuntime
import Glibc

/// `garrison-oci`: a runc-compatible OCI runtime over garrison-init.
public struct OCICommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "garrison-oci",
    abstract: "runc-compatible OCI runtime that enforces every confinement setting or refuses to start.",
    discussion: """
      Exit codes: 0 success; 2 bad input or usage (the config.json field is named); 3 a setting cannot be \
      enforced on this host or was refused; 4 a system operation or an OCI hook failed (a failing poststop hook \
      is only a warning). `run` and foreground `exec` exit with the container's status.
      """,
    // runc's `--version` layout (podman info shows it); the spec line is the OCI runtime-spec version implemented.
    version: "garrison-oci version 0.1.0\nspec: 1.2.0",
    subcommands: [
      OCICreate.self, OCIStart.self, OCIState.self, OCIKill.self, OCIDelete.self, OCIRun.self, OCIExec.self,
      OCIPs.self, OCIFeatures.self, OCISpec.self, OCIList.self, OCIUpdate.self,
    ]
  )
  /// Global options before the verb (`garrison-oci --root R create …`); subcommands share the group.
  @OptionGroup public var global: OCIGlobalOptions
  public init() {}
}

/// Options every runc subcommand accepts (runc puts them before the verb; containerd does too).
public struct OCIGlobalOptions: ParsableArguments {
  /// runc's default state directory, for garrison-oci.
  public static let defaultRoot = OCIGlobals.defaultRoot
  @Option(name: .long, help: "State directory.") public var root: String = OCIGlobalOptions.defaultRoot
  @Option(name: .long, help: "Log file (errors are also printed to stderr).") public var log: String?
  @Option(name: .customLong("log-format"), help: "text or json.") public var logFormat: String = "text"
  @Flag(name: .long, help: "Verbose logging.") public var debug = false
  @Flag(name: .customLong("systemd-cgroup"), help: "Use systemd cgroups (unsupported: refused).")
  public var systemdCgroup = false
  public init() {}

  /// The parsed values.
  var values: OCIGlobals {
    OCIGlobals(root: root, log: log, logFormat: logFormat, debug: debug, systemdCgroup: systemdCgroup)
  }

  func runtime() throws -> OCIRuntime { try values.runtime() }

  func perform(audit kind: AuditKind? = nil, id: String? = nil, bundle: String? = nil, _ body: () throws -> Int32) throws {
    try values.perform(audit: kind, id: id, bundle: bundle, body)
  }
}

/// The global options as plain values (what `OCIFastPath` fills in without ArgumentParser), and what every
/// command does with them: configure the runtime, run the command's body, report its error.
struct OCIGlobals: Equatable {
  static let defaultRoot = "/run/garrison-oci"
  var root = OCIGlobals.defaultRoot
  var log: String?
  var logFormat = "text"
  var debug = false
  var systemdCgroup = false

  /// The runtime configured from these options.
  func runtime() throws -> OCIRuntime {
    if systemdCgroup {
      // No systemd cgroup driver (a D-Bus client for transient scopes); the message says what to use instead.
      let why =
        access("/run/systemd/system", F_OK) == 0
        ? "it has no systemd cgroup driver; configure the client for cgroupfs (containerd: SystemdCgroup = false; "
          + "podman: --cgroup-manager cgroupfs)"
        : "it has no systemd cgroup driver, and systemd is not running on this host (no /run/systemd/system)"
      throw GarrisonError(.unenforceable, "--systemd-cgroup is not supported by garrison-oci: \(why)")
    }
    guard logFormat == "text" || logFormat == "json" else {
      throw GarrisonError(.usage, "--log-format must be text or json")
    }
    OCIAudit.runtimeRoot = root
    var runtime = OCIRuntime(root: root, launcher: try InitLauncher.locate(), host: .current)
    runtime.onAttested = { report, record in
      try OCIAudit.started(
        report,
        object: OCIAudit.object(
          id: report.containerID, bundle: record.bundle,
          annotations: record.annotations ?? [:]))
    }
    let globals = self
    runtime.onHookRun = { run in
      // runtime-spec: a failed poststart or poststop hook is a warning; start and delete go on (every other
      // failure is an error).
      if run.kind == .poststop || run.kind == .poststart, let message = run.message {
        globals.report("\(run.field): \(message)", level: "warning")
      }
      try OCIAudit.hookRun(run)
    }
    runtime.onGrantNotApplied = { id, bundle, annotations, withheld in
      globals.report("\(withheld.warning) (the container runs without it, as with runc and crun)", level: "warning")
      try OCIAudit.append(
        AuditEvent(
          kind: .enforcementFallback, outcome: .allowed,
          object: OCIAudit.object(id: id, bundle: bundle, annotations: annotations),
          details: AuditDetails.fallback(
            mechanism: withheld.mechanism, requested: withheld.names.joined(separator: ","),
            applied: "none", reason: "\(withheld.field): \(withheld.reason)")))
    }
    runtime.onKernelMemoryHeld = { id, bundle, annotations, held in
      let limit = held.limit.map(String.init) ?? "none"
      globals.report(
        "linux.resources.memory.kernel \(held.kernel) not written: Linux has no separate kernel-memory "
          + "limit any more; kernel memory is charged to memory.limit (\(limit)), which holds it", level: "warning")
      try OCIAudit.append(
        AuditEvent(
          kind: .enforcementFallback, outcome: .allowed,
          object: OCIAudit.object(id: id, bundle: bundle, annotations: annotations),
          details: AuditDetails.fallback(
            mechanism: "memory.kernel", requested: String(held.kernel),
            applied: "memory.limit \(limit)",
            reason: "no separate kernel-memory limit in this kernel; kernel memory is charged "
              + "to the memory limit, which is no higher than the ceiling asked for")))
    }
    return runtime
  }

  /// Runs `body`, mapping errors to documented exit codes and writing them to stderr and `--log`.
  /// With `audit`, a refused or failed operation is also written to the audit log as that kind of event.
  func perform(audit kind: AuditKind? = nil, id: String? = nil, bundle: String? = nil, _ body: () throws -> Int32) throws {
    let code: Int32
    PhaseTrace.mark("parsed")
    do {
      code = try body()
      try OCIAudit.awaitDurable()  // nothing is reported before the audit events are on disk
      PhaseTrace.mark("audit durable")
    } catch let error as GarrisonError {
      try? OCIAudit.awaitDurable()  // the error below is the one to report
      OCIAudit.runtimeRoot = root
      if let kind { OCIAudit.failed(kind, error, object: OCIAudit.object(id: id ?? "", bundle: bundle)) }
      report(error.description)
      throw ExitCode(error.exitCode)
    } catch let error as ExitCode {
      try? OCIAudit.awaitDurable()
      throw error
    } catch {
      try? OCIAudit.awaitDurable()
      report("\(error)")
      throw ExitCode(ExitCodes.system)
    }
    if code != 0 { throw ExitCode(code) }
  }

  /// Writes `message` to stderr (`garrison-oci: …`, or `garrison-oci: warning: …`) and to `--log` at `level`.
  func report(_ message: String, level: String = "error") {
    StandardError.write("garrison-oci: \(level == "error" ? "" : level + ": ")\(message)\n")
    guard let log else { return }
    let time = Date().formatted(.iso8601)
    let line: String
    if logFormat == "json" {
      let obj = ["level": level, "msg": message, "time": time]
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      let data = (try? encoder.encode(obj)) ?? Data()
      line = String(decoding: data, as: UTF8.self)
    } else {
      line = "time=\"\(time)\" level=\(level) msg=\"\(message)\""
    }
    // Appended; logging must not turn a reported error into a different one.
    let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o666)
    guard fd >= 0 else { return }
    defer { close(fd) }
    try? FileIO.writeAll(fd: fd, Array((line + "\n").utf8))
  }
}
