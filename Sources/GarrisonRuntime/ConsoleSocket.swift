import GarrisonCore
import GarrisonKernel

/// The runtime's side of `--console-socket`: connects to the caller's unix socket (containerd's shim,
/// conmon, a test) and hands the connection to the init, which sends the pty master over it itself. The init
/// closes its copy before any container code runs; the runtime closes its own once the init is spawned.
public enum ConsoleSocket {
  /// Connects to `path`, or refuses the combination of `terminal` and `path` the runtime cannot serve:
  /// a terminal needs a socket (only a foreground `run` proxies the pty itself, see `TerminalProxy`), and a
  /// socket needs a terminal.
  public static func connect(path: String?, terminal: Bool) throws -> Int32? {
    switch (terminal, path) {
    case (false, nil): return nil
    case (false, .some(let p)):
      throw GarrisonError(
        .invalid, "--console-socket \(p) given but process.terminal is false",
        field: FieldPath("process.terminal"))
    case (true, nil):
      throw GarrisonError(
        .invalid,
        "process.terminal is true but no --console-socket was given (only a "
          + "foreground run proxies the pty itself)",
        field: FieldPath("process.terminal"))
    case (true, .some(let p)):
      do { return try Kernel.connectUnix(p) } catch {
        throw GarrisonError(
          .system, operation: "connect \(p)", "cannot connect to the console socket",
          errno: error.rawValue)
      }
    }
  }
}
