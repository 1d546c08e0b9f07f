#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel
import Glibc

/// The `garrison` executable: a static, FoundationEssentials-only front end that runs `garrison exec`'s exact forms
/// itself (`ExecFastPath`) and hands every other command line, unchanged (arguments, environment, descriptors), to
/// the full CLI, `garrison-cli` beside it, with `execv`. An exec thus never pays the full CLI's start (a 150 MB
/// executable with Foundation, ICU and ArgumentParser: static initialisers, conformance scans, the command tree)
/// and runs the runtime's exec in this process (`InProcessExec`); every other command keeps the
/// full CLI's behaviour, help and exit codes, one `execv` later (bench/exec RESULTS.md).
public enum FrontEnd {
  /// The full CLI's file name, next to the front end.
  public static let cliName = "garrison-cli"

  /// Entry point of `garrison`. Never returns.
  public static func main() -> Never {
    PhaseTrace.mark("main")
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard let request = ExecFastPath.command(arguments) else { handOver() }
    let code: Int32
    do { code = try request.run() } catch { report(error) }
    exit(code)
  }

  /// Replaces this process with `garrison-cli` next to it, with this process's argument vector and environment.
  static func handOver() -> Never {
    let cli: String
    do {
      cli = PathName.join(PathName.deletingLastComponent(try Kernel.readlink("/proc/self/exe")), cliName)
    } catch {
      StandardError.write("garrison: cannot locate \(cliName): readlink /proc/self/exe: \(error)\n")
      exit(ExitCodes.code(for: .system))
    }
    let err = Kernel.execv(cli, argv: CommandLine.unsafeArgv)
    StandardError.write("garrison: cannot run \(cli): \(err)\n")
    exit(err == .ENOENT ? 127 : 126)
  }

  /// Reports an error that is not a `GarrisonError` as ArgumentParser's `exit(withError:)` does for the full CLI:
  /// `Error: ` and its description on stderr, exit 1.
  static func report(_ error: any Error) -> Never {
    let text = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
    StandardError.write("Error: \(text)\n")
    exit(1)
  }
}
