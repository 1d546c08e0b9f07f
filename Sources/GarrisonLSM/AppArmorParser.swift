import Foundation
import GarrisonCore
import GarrisonKernel

/// Runs `apparmor_parser` to check that a profile compiles, without loading it into the kernel.
///
/// Flags: `-Q` (`--skip-kernel-load`) compiles the profile to its binary form but does not load it, and
/// `-K` (`--skip-cache`) neither reads nor writes the binary cache. Neither needs AppArmor in the running
/// kernel: without `/sys/kernel/security/apparmor` the parser uses its built-in feature set, and the
/// profile's `abi <abi/3.0>,` line pins the feature ABI anyway. Includes resolve under `/etc/apparmor.d`
/// (`tunables/global`, `abstractions/base` from the Debian `apparmor` package). The parser prints a
/// harmless "Cache read/write disabled" notice on such kernels, which is ignored.
public enum AppArmorParser {
  public static let defaultPath = "/usr/sbin/apparmor_parser"

  /// Whether the parser is installed at `path`.
  public static func isAvailable(at path: String = defaultPath) -> Bool {
    FileManager.default.isExecutableFile(atPath: path)
  }

  /// Compiles `text`; throws with the parser's diagnostics if it is rejected.
  public static func check(_ text: String, parserPath: String = defaultPath) throws {
    let (status, diagnostics) = try run(["-Q", "-K"], input: text, parserPath: parserPath)
    guard status == 0 else {
      throw GarrisonError(.invalid, operation: "apparmor_parser -Q -K",
                          "profile rejected (status \(status)): \(diagnostics)")
    }
  }

  /// Runs the parser with `arguments`, the profile text on stdin; returns its exit status (-1 when killed by
  /// a signal) and its diagnostics without the "Cache read/write disabled" notice.
  static func run(_ arguments: [String], input text: String, parserPath: String) throws -> (Int32, String) {
    // posix_spawn through GarrisonKernel, not Foundation's Process: Process waits on a CFRunLoop whose wake-up
    // socket pair could not be made in the AppArmor VM, and a run then never saw the parser exit.
    func fail(_ what: String, _ e: Errno) -> GarrisonError {
      GarrisonError(.system, operation: "run apparmor_parser", "cannot run \(parserPath): \(what): \(e)", errno: e.rawValue)
    }
    let input: (read: Int32, write: Int32), errors: (read: Int32, write: Int32)
    do { input = try Kernel.pipe() } catch { throw fail("pipe", error) }
    do { errors = try Kernel.pipe() } catch {
      Kernel.close(input.read)
      Kernel.close(input.write)
      throw fail("pipe", error)
    }
    let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
    let pid: Int32
    do {
      pid = try Kernel.spawn(parserPath, args: [parserPath] + arguments, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                             stdin: input.read, stdout: null, stderr: errors.write, cwd: nil, newProcessGroup: false)
    } catch {
      for fd in [input.read, input.write, errors.read, errors.write, null] { Kernel.close(fd) }
      throw fail("posix_spawn", error)
    }
    for fd in [input.read, errors.write, null] { Kernel.close(fd) }
    // A profile is a few KiB, far below a pipe's buffer: writing it all before reading cannot block on the parser.
    let wrote: Errno?
    do { try FileIO.writeAll(fd: input.write, Array(text.utf8)); wrote = nil } catch { wrote = error }
    Kernel.close(input.write)
    let diagnostics = String(decoding: (try? FileIO.readAll(fd: errors.read)) ?? [], as: UTF8.self)
    Kernel.close(errors.read)
    let status: Int32
    do { status = try Kernel.waitpid(pid).status } catch { throw fail("waitpid", error) }
    if let wrote, wrote.rawValue != EPIPE { throw fail("write the profile", wrote) }
    let lines = diagnostics.split(separator: "\n").filter { !$0.hasPrefix("Cache read/write disabled") }
    let exit = Kernel.exitStatus(status)
    return (exit.code ?? -1, lines.joined(separator: "; "))
  }

}
