import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import Glibc

/// The startContainer hooks' report pipe: garrison-init holds its read end at fd 7 (`SyncProtocol.hookReportFD`)
/// while it waits for `start`; `start` opens it through `/proc/<pid>/fd/7` *before* it signals the start FIFO,
/// then reads the init's `hook …` and `error …` lines until end of file. The init's write end is close-on-exec,
/// so end of file means the user process has been executed (or the init died). The create process is long
/// gone by then, so this is the only way back from the init to `start`.
struct StartContainerReport {
  let fd: Int32

  /// Opens the pipe of a created container with startContainer hooks (nil without any).
  static func open(pid: Int32, spec: InitSpec) throws -> StartContainerReport? {
    guard spec.mode == .create, let hooks = spec.hooks, !hooks.startContainer.isEmpty else { return nil }
    let path = "/proc/\(pid)/fd/\(SyncProtocol.hookReportFD)"
    let fd: Int32
    do { fd = try Kernel.open(path, flags: LinuxConstants.O_RDONLY) } catch {
      throw GarrisonError(
        .system, operation: "open \(path)", "cannot read the startContainer hook reports",
        errno: error.rawValue)
    }
    do {
      guard try Kernel.fileMode(fd) & UInt32(S_IFMT) == UInt32(S_IFIFO) else {
        throw GarrisonError(
          .system, operation: "open \(path)",
          "fd \(SyncProtocol.hookReportFD) of the init is not its report pipe")
      }
    } catch {
      Kernel.close(fd)
      throw error
    }
    return StartContainerReport(fd: fd)
  }

  /// Reads every report until end of file, passing each run to `runner`; an `error` line (a hook failed) becomes
  /// the thrown error, naming the hook's field. End of file before every hook reported success means the init
  /// died. Closes the pipe.
  func read(into runner: HookRunner, expected: Int) throws {
    defer { Kernel.close(fd) }
    var reader = LineReader(fd: fd)
    var succeeded = 0
    while true {
      let line: String?
      do { line = try reader.next() } catch {
        throw GarrisonError(
          .system, operation: "read startContainer reports", "lost contact with garrison-init",
          errno: error.rawValue)
      }
      guard let line else { break }
      switch SyncProtocol.Message(line: line) {
      case .hook(let report):
        try runner.record(report)
        if report.result.succeeded { succeeded += 1 }
      case .error(let step, let text):
        throw GarrisonError.initFailed(step: step, text: text)
      default:
        throw GarrisonError(.system, operation: "init", "unexpected startContainer report: \(line)")
      }
    }
    guard succeeded == expected else {
      throw GarrisonError(.system, operation: "init", "garrison-init exited while running the startContainer hooks")
    }
  }
}
