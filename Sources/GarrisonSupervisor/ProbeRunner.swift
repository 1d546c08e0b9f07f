#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// Runs one probe and says whether it passed, with kubelet's kind of message. Called on a probe thread of the
/// supervisor, never on its main loop, and never forking it:
///
/// - `exec`: the pod's OCI runtime runs `exec` of the command in the container (the path `garrison exec` takes:
///   the container's own user, capabilities, seccomp, LSM labels, cgroup and namespaces; garrison-oci refuses
///   anything more privileged), output to a file, status collected from the supervisor's reaper; a run past
///   `timeoutSeconds` has its runtime process killed and fails.
/// - `httpGet` / `tcpSocket`: a thread that joined the pod's network namespace (`NamespaceThread`) opens the
///   connection, to the pod IP (127.0.0.1 without one), so `--network none` pods are probed like bridge pods.
///   `httpGet` succeeds on a status from 200 to 399.
public struct ProbeRunner: Sendable {
  /// The runtime and the container's runtime id (exec).
  public var runtime: RuntimeConfig
  public var runtimeID: String
  /// The pod's network namespace file (nil: the host's, for hostNetwork pods).
  public var networkNamespace: String?
  public var podIP: String?
  /// Where exec output goes (overwritten each run).
  public var outputFile: String
  /// Waits for a child with a timeout (the supervisor's reaper).
  public var wait: @Sendable (pid_t, Double) -> ExitStatus?

  /// The outcome of one run.
  public struct Outcome: Sendable, Equatable {
    public var success: Bool
    public var message: String
  }

  public func run(_ probe: ProbeRecord) -> Outcome {
    guard let action = probe.action else { return Outcome(success: false, message: probe.unresolved ?? "no action") }
    switch action {
    case .exec(let command): return exec(command, timeout: probe.timeoutSeconds)
    case .httpGet(let host, let port, let path, let headers):
      return http(host: host ?? podIP ?? "127.0.0.1", port: port, path: path, headers: headers, timeout: probe.timeoutSeconds)
    case .tcpSocket(let host, let port):
      return tcp(host: host ?? podIP ?? "127.0.0.1", port: port, timeout: probe.timeoutSeconds)
    }
  }

  func exec(_ command: [String], timeout: Double) -> Outcome {
    let fd = open(outputFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { return Outcome(success: false, message: "cannot open \(outputFile): \(Errno(rawValue: errno))") }
    let pid: pid_t
    do {
      pid = try Spawn.start(
        OCIRuntimeBinary(path: runtime.path, root: runtime.root).execArguments(id: runtimeID, command: command, tty: false),
        io: SpawnIO(stdout: fd, stderr: fd))
    } catch {
      close(fd)
      return Outcome(success: false, message: "\(error)")
    }
    close(fd)
    guard let status = wait(pid, timeout) else {
      kill(pid, SIGKILL)
      _ = wait(pid, 5)
      return Outcome(
        success: false, message: "command \(Quoted.quoted(command.joined(separator: " "))) timed out after \(Self.seconds(timeout))")
    }
    let output = (try? FileIO.readRegular(outputFile, limit: 10 * 1024)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    let text = output.trimmingWhitespace()
    if status == .exited(0) { return Outcome(success: true, message: text) }
    return Outcome(success: false, message: text.isEmpty ? "command \(Quoted.quoted(command.joined(separator: " "))) \(status)" : text)
  }

  var targets: [NamespaceThread.Target] {
    networkNamespace.map { [.init(path: $0, type: LinuxConstants.CLONE_NEWNET)] } ?? []
  }

  func tcp(host: String, port: UInt16, timeout: Double) -> Outcome {
    do {
      let fd = try NamespaceThread.run(joining: targets) { try TCPRelay.connect(address: host, port: port, timeout: timeout) }
      close(fd)
      return Outcome(success: true, message: "")
    } catch {
      return Outcome(success: false, message: "dial tcp \(host):\(port): \(Self.reason(error))")
    }
  }

  func http(host: String, port: UInt16, path: String, headers: [ProbeRecord.Header], timeout: Double) -> Outcome {
    let url = "http://\(host):\(port)\(path)"
    let request = Self.request(host: host, port: port, path: path, headers: headers)
    do {
      let response = try NamespaceThread.run(joining: targets) { () throws -> (bytes: [UInt8], timedOut: Bool) in
        let fd = try TCPRelay.connect(address: host, port: port, timeout: timeout)
        defer { close(fd) }
        do { try FileIO.writeAll(fd: fd, request) } catch let e as Errno {
          throw GarrisonError(.system, operation: "write", "cannot send the request", errno: e.rawValue)
        }
        return TCPRelay.receive(fd, limit: 10 * 1024)
      }
      guard let code = Self.statusCode(response.bytes) else {
        let why =
          response.timedOut ? "context deadline exceeded (Client.Timeout exceeded while awaiting headers)" : "malformed HTTP response"
        return Outcome(success: false, message: "Get \"\(url)\": \(why)")
      }
      if (200..<400).contains(code) { return Outcome(success: true, message: "") }
      return Outcome(success: false, message: "HTTP probe failed with statuscode: \(code)")
    } catch {
      return Outcome(success: false, message: "Get \"\(url)\": dial tcp \(host):\(port): \(Self.reason(error))")
    }
  }

  /// The request kubelet sends: `GET`, `Host`, `User-Agent: kube-probe/<version>`, `Accept: */*`, then the
  /// probe's headers (a `Host` header replaces the default). Bytes of the path that HTTP does not allow raw
  /// (controls, space, non-ASCII) are percent-encoded.
  static func request(host: String, port: UInt16, path: String, headers: [ProbeRecord.Header]) -> [UInt8] {
    var target = ""
    for b in path.utf8 {
      if b <= 0x20 || b >= 0x7f {
        target += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 0xF, radix: 16, uppercase: true)
      } else {
        target += String(UnicodeScalar(b))
      }
    }
    if !target.hasPrefix("/") { target = "/" + target }
    var lines = ["GET \(target) HTTP/1.1"]
    if !headers.contains(where: { $0.name.lowercased() == "host" }) { lines.append("Host: \(host):\(port)") }
    if !headers.contains(where: { $0.name.lowercased() == "user-agent" }) { lines.append("User-Agent: kube-probe/1.34") }
    if !headers.contains(where: { $0.name.lowercased() == "accept" }) { lines.append("Accept: */*") }
    for h in headers { lines.append("\(h.name): \(h.value)") }
    lines.append("Connection: close")
    return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
  }

  /// The status code of an `HTTP/1.x NNN ...` status line.
  static func statusCode(_ bytes: [UInt8]) -> Int? {
    let line = String(decoding: bytes.prefix { $0 != 0x0d && $0 != 0x0a }, as: UTF8.self)
    let parts = line.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]) else { return nil }
    return code
  }

  static func reason(_ error: any Error) -> String {
    if let e = error as? GarrisonError, let errno = e.errno {
      if errno == ECONNREFUSED { return "connect: connection refused" }
      if errno == EINPROGRESS || errno == ETIMEDOUT || errno == EAGAIN { return "i/o timeout" }
      return "connect: \(Errno(rawValue: errno))"
    }
    return "\(error)"
  }

  static func seconds(_ d: Double) -> String { d == d.rounded() ? "\(Int(d))s" : "\(d)s" }
}
