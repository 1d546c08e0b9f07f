#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import GarrisonKernel

/// The exporter process of `garrison metrics serve`: parses `--listen` and `--root`, binds, prints where it serves,
/// and serves until SIGINT/SIGTERM. It is the whole of the small `garrison-exporter` executable (what
/// `garrison metrics serve` execs, so the long-running process does not carry the CLI's code and libraries), and
/// the in-process fallback when that executable is missing.
public enum MetricsExporter {
  public static let defaultListen = "127.0.0.1:9464"
  /// The executable `garrison metrics serve` runs, next to `garrison` (or `$GARRISON_EXPORTER`).
  public static let executableName = "garrison-exporter"

  public static let usage = """
    usage: garrison-exporter --root DIR [--listen HOST:PORT]
    Serves /metrics (Prometheus text or OpenMetrics, by Accept) and /healthz until SIGINT/SIGTERM; see
    docs/monitoring.md. Normally started by `garrison metrics serve`.
    Exit codes: 2 bad arguments, 4 the port is taken or the host's cgroups cannot be read.

    """

  /// `HOST:PORT` (`[v6]:PORT` too) as the listening address; `.usage` when malformed.
  public static func parseListen(_ listen: String) throws(GarrisonError) -> (host: String, port: Int) {
    guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
      throw GarrisonError(.usage, "--listen: \(Quoted.quoted(listen)) is not HOST:PORT")
    }
    var host = String(listen[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { throw GarrisonError(.usage, "--listen: \(Quoted.quoted(listen)) has no host") }
    return (host, port)
  }

  /// `garrison-exporter`'s arguments: `--root DIR` (required) and `--listen HOST:PORT`, each also as `--opt=value`.
  public static func parseArguments(_ args: [String]) throws(GarrisonError) -> (listen: String, root: String) {
    var listen = defaultListen
    var root: String?
    var i = 0
    while i < args.count {
      let a = args[i]
      var name = a, value: String?
      if let eq = a.firstIndex(of: "="), a.hasPrefix("--") {
        name = String(a[..<eq])
        value = String(a[a.index(after: eq)...])
      }
      guard name == "--listen" || name == "--root" else {
        throw GarrisonError(.usage, "unknown argument \(Quoted.quoted(a)) (expected --root DIR [--listen HOST:PORT])")
      }
      if value == nil {
        guard i + 1 < args.count else { throw GarrisonError(.usage, "\(name) needs a value") }
        i += 1
        value = args[i]
      }
      if name == "--listen" { listen = value! } else { root = value! }
      i += 1
    }
    guard let root, !root.isEmpty else { throw GarrisonError(.usage, "--root DIR is required") }
    return (listen, root)
  }

  /// Binds, prints `Serving metrics on http://HOST:PORT/metrics` and serves; returns only by throwing (a taken port
  /// is `.system`, exit 4). SIGINT/SIGTERM end the process at once (it keeps no state worth flushing).
  public static func serve(listen: String, root: String) throws -> Never {
    let (host, port) = try parseListen(listen)
    // A parent may have left SIGINT/SIGTERM blocked (threads inherit the mask): unblock them before any thread.
    Kernel.unblockSignals([SIGINT, SIGTERM])
    let server = MetricsServer(host: host, port: port, collector: try MetricsCollector(root: root))
    let bound = try server.start()
    let shown = host.contains(":") ? "[\(host)]" : host
    try? FileIO.writeAll(fd: 1, Array("Serving metrics on http://\(shown):\(bound)/metrics\n".utf8))
    signal(SIGPIPE, SIG_IGN)
    for s in [SIGINT, SIGTERM] { signal(s) { _ in Glibc._exit(0) } }
    try server.wait()
    Glibc.exit(0)
  }

  /// `garrison-exporter`'s whole run: an exit status after printing any error as `error: MESSAGE`.
  public static func main(_ args: [String]) -> Int32 {
    if args.contains("-h") || args.contains("--help") {
      try? FileIO.writeAll(fd: 1, Array(usage.utf8))
      return 0
    }
    do {
      let (listen, root) = try parseArguments(args)
      try serve(listen: listen, root: root)
    } catch let e as GarrisonError {
      var message = "error: " + e.message
      if !e.operation.isEmpty, let errno = e.errno { message += " (\(e.operation): errno \(errno))" }
      try? FileIO.writeAll(fd: 2, Array((message + "\n").utf8))
      return e.exitCode
    } catch {
      try? FileIO.writeAll(fd: 2, Array("error: \(error)\n".utf8))
      return 1
    }
  }
}
