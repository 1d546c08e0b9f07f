import Foundation
import GarrisonCore
import GarrisonKernel

/// Runs one of the host's LSM tools (apparmor_parser, semodule) with fixed arguments: never a name or path
/// taken from input on its command line; what the tool reads comes on stdin or from a file Garrison wrote.
enum HostTool {
  /// Runs `path` with `arguments`, `input` on stdin; returns its exit status (-1 when killed by a signal) and
  /// what it wrote to stderr.
  static func run(_ path: String, _ arguments: [String], input text: String = "") throws -> (Int32, String) {
    // posix_spawn through GarrisonKernel, not Foundation's Process: Process waits on a CFRunLoop whose wake-up
    // socket pair could not be made in the AppArmor VM, and a run then never saw the parser exit.
    let tool = (path as NSString).lastPathComponent
    func fail(_ what: String, _ e: Errno) -> GarrisonError {
      GarrisonError(.system, operation: "run \(tool)", "cannot run \(path): \(what): \(e)", errno: e.rawValue)
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
      pid = try Kernel.spawn(
        path, args: [path] + arguments, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
        stdin: input.read, stdout: null, stderr: errors.write, cwd: nil, newProcessGroup: false)
    } catch {
      for fd in [input.read, input.write, errors.read, errors.write, null] { Kernel.close(fd) }
      throw fail("posix_spawn", error)
    }
    for fd in [input.read, errors.write, null] { Kernel.close(fd) }
    // A profile is a few KiB, far below a pipe's buffer: writing it all before reading cannot block on the tool.
    let wrote: Errno?
    do { try FileIO.writeAll(fd: input.write, Array(text.utf8)); wrote = nil } catch { wrote = error }
    Kernel.close(input.write)
    let diagnostics = String(decoding: (try? FileIO.readAll(fd: errors.read)) ?? [], as: UTF8.self)
    Kernel.close(errors.read)
    let status: Int32
    do { status = try Kernel.waitpid(pid).status } catch { throw fail("waitpid", error) }
    if let wrote, wrote.rawValue != EPIPE { throw fail("write its input", wrote) }
    let exit = Kernel.exitStatus(status)
    return (exit.code ?? -1, diagnostics.trimmingCharacters(in: .whitespacesAndNewlines))
  }
}
