import CGarrisonLinux
import Glibc

extension Kernel {
  /// Starts `path` (absolute) with `arguments` (argv, the first included) and `environment`, born in new
  /// namespaces (`namespaceFlags`: `CLONE_NEW*`), its standard streams on /dev/null. The corresponding system
  /// call is `clone3` with those flags (`gr_spawn`: no Swift runs between clone and execve, the caller sleeps
  /// until the child has exec'd), so when it returns the namespaces exist and the child runs `path`.
  public static func spawnInNewNamespaces(
    _ path: String, arguments: [String], environment: [String], namespaceFlags: Int32
  ) throws(Errno) -> pid_t {
    try cPath(path)
    let null = try check { Glibc.open("/dev/null", O_RDWR | O_CLOEXEC) }
    defer { Glibc.close(null) }
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
    defer { for p in argv + envp { free(p) } }
    let from: [Int32] = [null, null, null]
    let to: [Int32] = [0, 1, 2]
    let pid = gr_spawn(path, &argv, &envp, from, to, 3, -1, UInt64(UInt32(bitPattern: namespaceFlags)))
    guard pid > 0 else { throw Errno.current }
    return pid
  }
}
