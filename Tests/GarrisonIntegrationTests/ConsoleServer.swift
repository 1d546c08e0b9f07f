import Foundation
import GarrisonKernel
import Glibc
import Testing

/// A listening unix socket standing in for containerd's or conmon's console socket: accepts the runtime's
/// connection and receives the pty master it sends with SCM_RIGHTS.
final class ConsoleServer {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  let path: String
  let fd: Int32

  init(path: String) throws {
    self.path = path
    fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw Failure(description: "socket: \(Errno.current)") }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw Failure(description: "socket path too long: \(path)") }
    withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
    let rc = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard rc == 0, listen(fd, 4) == 0 else { throw Failure(description: "bind/listen \(path): \(Errno.current)") }
  }

  deinit {
    close(fd)
    unlink(path)
  }

  /// Accepts one connection (waiting up to `timeout` ms) and returns the message payload and the descriptor.
  func receiveMaster(timeout: Int32 = 5000) throws -> (name: String, master: Int32) {
    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&pfd, 1, timeout) == 1 else { throw Failure(description: "no connection on \(path)") }
    let conn = accept(fd, nil, nil)
    guard conn >= 0 else { throw Failure(description: "accept: \(Errno.current)") }
    defer { close(conn) }
    let (payload, master) = try Kernel.receiveDescriptor(conn)
    guard let master else { throw Failure(description: "message \(payload) carried no descriptor") }
    return (String(decoding: payload, as: UTF8.self), master)
  }

  /// Reads from `master` until `marker` appears, the slave side is gone (EIO) or `seconds` pass; returns the
  /// text with the pty's CR LF turned into LF.
  static func read(_ master: Int32, until marker: String? = nil, seconds: Double = 10) -> String {
    var out: [UInt8] = []
    let deadline = Date().addingTimeInterval(seconds)
    var buffer = [UInt8](repeating: 0, count: 4096)
    while Date() < deadline {
      var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
      guard poll(&pfd, 1, 100) >= 0 else { break }
      if pfd.revents == 0 { continue }
      let n = Glibc.read(master, &buffer, buffer.count)
      if n <= 0 { break }  // EIO once every slave descriptor is closed
      out += buffer[0..<n]
      if let marker, String(decoding: out, as: UTF8.self).contains(marker) { break }
    }
    return String(decoding: out, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
  }

  /// Writes `text` to the pty master (the container's terminal input).
  static func write(_ master: Int32, _ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
  }
}

extension ConsoleServer {
  /// `create --console-socket` of container `id` in `b` (its spec already written), the pty master received
  /// (expected to be the first pty of the container's own devpts instance, /dev/pts/0), then `start`. Returns
  /// the master (the caller closes it), or nil when `create` failed (recorded as an issue).
  static func createAndStart(_ b: Harness.Bundle, id: String) throws -> Int32? {
    let server = try ConsoleServer(path: b.dir + "/console.sock")
    b.ids.append(id)
    let created = try b.oci(["create", "--console-socket", server.path, "--bundle", b.dir, id])
    #expect(created.status == 0, "stderr: \(created.stderr)")
    guard created.status == 0 else { return nil }
    let (name, master) = try server.receiveMaster()
    #expect(name == "/dev/pts/0")
    let started = try b.oci(["start", id])
    #expect(started.status == 0, "stderr: \(started.stderr)")
    return master
  }
}
