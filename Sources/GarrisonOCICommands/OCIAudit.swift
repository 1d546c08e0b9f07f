#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonAudit
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import GarrisonOCI
import GarrisonRuntime
import Glibc

/// garrison-oci's audit events: the read-back attestation after every start (`enforcement.readback`, denied on a
/// mismatch), exec sessions (`container.exec`), every OCI hook run (`hook.run`), and every refused or failed
/// create/start/exec. The log is
/// `$GARRISON_AUDIT_DIR`, else `$GARRISON_ROOT/audit` (default `/var/lib/garrison/audit`). An event that cannot be
/// written makes the command fail: an unrecorded privileged action is not allowed to pass silently. The
/// read-back event's fsync runs on another thread while the container runs; the command waits for it before it
/// reports anything (`awaitDurable`), so a success is never reported for an event that is not on disk.
/// Where: `$GARRISON_AUDIT_DIR`; else `$GARRISON_ROOT/audit`; else, with a non-default `--root`, `<root>/audit`
/// (so scratch roots keep their evidence to themselves); else `/var/lib/garrison/audit`.
enum OCIAudit {
  /// The runtime's `--root`, set once the options are parsed.
  nonisolated(unsafe) static var runtimeRoot = OCIGlobalOptions.defaultRoot

  static var directory: String {
    if let d = Environment.value("GARRISON_AUDIT_DIR") { return d }
    if let r = Environment.value("GARRISON_ROOT") { return AuditPaths.directory(root: r) }
    if runtimeRoot != OCIGlobalOptions.defaultRoot { return runtimeRoot + "/audit" }
    return AuditPaths.directory(root: nil)
  }

  static func append(_ event: AuditEvent) throws {
    _ = try AuditLog(directory: directory).append(event)
  }

  /// The fsync of the last `appendOverlappingSync`, running on its own thread (a plain POSIX thread: no
  /// Dispatch thread pool to start in a process that lives a few milliseconds).
  nonisolated(unsafe) private static var background: BackgroundJob?

  /// Appends `event` and starts its fsync on another thread, so the container runs (and, for `run`, exits and
  /// is deleted) meanwhile. `awaitDurable()` must return before the command reports anything.
  static func appendOverlappingSync(_ event: AuditEvent) throws {
    try awaitDurable()
    let (_, sync) = try AuditLog(directory: directory).appendWithoutSync(event)
    background = BackgroundJob { try sync.run() }
  }

  /// Waits for the fsync started by `appendOverlappingSync`, if any; its failure fails the command.
  static func awaitDurable() throws {
    guard let job = background else { return }
    background = nil
    try job.wait()
  }

  /// The pod identity from the standard CRI annotations, else the container id alone.
  /// `annotations`, when the caller already has them (from the container's state), spares a second decode of
  /// config.json.
  static func object(id: String, bundle: String?, annotations known: [String: String]? = nil) -> AuditObject {
    var annotations: [String: String] = known ?? [:]
    if known == nil, let bundle, let data = FileManager.default.contents(atPath: bundle + "/config.json"),
      let spec = try? JSONDecoder().decode(RuntimeSpec.self, from: data)
    {
      annotations = spec.annotations ?? [:]
    }
    return AuditObject(
      namespace: annotations["io.kubernetes.pod.namespace"], pod: annotations["io.kubernetes.pod.name"],
      podUID: annotations["io.kubernetes.pod.uid"], container: annotations["io.kubernetes.container.name"] ?? id)
  }

  /// The attestation of a started container (`enforcement.readback`), its fsync overlapping what follows.
  static func started(_ report: AttestationReport, object: AuditObject) throws {
    try appendOverlappingSync(report.readbackEvent(object: object))
  }

  /// One OCI hook run (`hook.run`: allowed when it exited 0, error otherwise), written before the command goes on:
  /// a run that cannot be recorded fails the command.
  static func hookRun(_ run: HookRun) throws {
    var exitCode: Int32?
    var signal: Int32?
    var timedOut = false
    switch run.result {
    case .exited(let code): exitCode = code
    case .signaled(let sig): signal = sig
    case .timedOut: timedOut = true
    case .spawnFailed, .waitFailed: break
    }
    let details = AuditDetails.hookRun(
      hook: run.kind.rawValue, index: run.index, path: run.path, exitCode: exitCode,
      signal: signal, timedOut: timedOut, message: run.message,
      durationMicroseconds: run.durationMicroseconds)
    try append(
      AuditEvent(
        kind: .hookRun, outcome: run.result.succeeded ? .allowed : .error,
        object: object(id: run.containerID, bundle: nil, annotations: run.annotations),
        details: details))
  }

  /// A refused or failed operation.
  static func failed(_ kind: AuditKind, _ error: Error, object: AuditObject) {
    let e = error as? GarrisonError
    let outcome: AuditOutcome = (e?.code == .refused || e?.code == .unenforceable) ? .denied : .error
    let details: JSONValue = ["error": .string(e?.description ?? "\(error)"), "code": .string(e?.code.rawValue ?? "system")]
    // Best effort here only: the command is already failing with its own error.
    _ = try? append(AuditEvent(kind: kind, outcome: outcome, object: object, details: details))
  }
}
