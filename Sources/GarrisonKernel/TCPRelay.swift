import CGarrisonLinux
import GarrisonCore
import Glibc

/// IPv4 TCP sockets and a byte relay between two of them, for `garrison port-forward`: a listener on the host,
/// a connection made inside a pod's network namespace (a socket belongs for life to the namespace it was made in:
/// ``NamespaceThread`` makes it there), and a relay that copies each direction with `splice(2)` through a pipe
/// (no copy through user space), passing a half-close on (`shutdown(SHUT_WR)`) as soon as one side ends.
public enum TCPRelay {
  /// An IPv4 address (`127.0.0.1`, `0.0.0.0`; `localhost` is 127.0.0.1) and port.
  static func socketAddress(_ address: String, _ port: UInt16) throws(GarrisonError) -> sockaddr_in {
    var sa = sockaddr_in()
    sa.sin_family = sa_family_t(AF_INET)
    sa.sin_port = port.bigEndian
    let text = address == "localhost" ? "127.0.0.1" : address
    guard inet_pton(AF_INET, text, &sa.sin_addr) == 1 else {
      throw GarrisonError(.usage, "\(Quoted.quoted(address)) is not an IPv4 address")
    }
    return sa
  }

  /// A listening socket on `address:port` (port 0: the kernel picks one); returns it and the port it got.
  public static func listen(address: String, port: UInt16) throws(GarrisonError) -> (fd: Int32, port: UInt16) {
    var sa = try socketAddress(address, port)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "socket", "cannot create a socket", errno: errno) }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    let bound = withUnsafePointer(to: &sa) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, Glibc.listen(fd, 128) == 0 else {
      let e = errno
      close(fd)
      throw GarrisonError(
        e == EADDRINUSE ? .refused : .system, operation: "bind",
        "unable to listen on \(address):\(port)", errno: e)
    }
    var got = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &got) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, UInt16(bigEndian: got.sin_port))
  }

  /// Accepts one connection (`EINTR` retried); nil when the listener was shut down.
  public static func accept(_ listener: Int32) throws(Errno) -> Int32? {
    while true {
      let fd = gr_accept_cloexec(listener)
      if fd >= 0 { return fd }
      let e = Errno.current
      if e == .EINTR || e == .EAGAIN { continue }
      if e.rawValue == EINVAL || e.rawValue == EBADF { return nil }
      throw e
    }
  }

  /// A TCP connection to `address:port` from the calling thread's network namespace.
  public static func connect(address: String, port: UInt16) throws(GarrisonError) -> Int32 {
    var sa = try socketAddress(address, port)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "socket", "cannot create a socket", errno: errno) }
    var rc: Int32
    repeat {
      rc = withUnsafePointer(to: &sa) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
    } while rc != 0 && errno == EINTR
    guard rc == 0 else {
      let e = errno
      close(fd)
      throw GarrisonError(.system, operation: "connect", "cannot connect to \(address):\(port)", errno: e)
    }
    return fd
  }

  /// A TCP connection to `address:port` from the calling thread's network namespace, where connecting, sending
  /// and receiving each give up after `timeout` seconds (`SO_SNDTIMEO`/`SO_RCVTIMEO`; a blocking `connect` that
  /// times out fails with `EINPROGRESS`): the probes' connections.
  public static func connect(address: String, port: UInt16, timeout: Double) throws(GarrisonError) -> Int32 {
    var sa = try socketAddress(address, port)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "socket", "cannot create a socket", errno: errno) }
    let whole = max(timeout, 0.001)
    var tv = timeval(tv_sec: Int(whole), tv_usec: Int((whole - whole.rounded(.down)) * 1_000_000))
    for option in [SO_SNDTIMEO, SO_RCVTIMEO] {
      setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
    let rc = withUnsafePointer(to: &sa) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else {
      let e = errno
      close(fd)
      let why = e == EINPROGRESS || e == EINTR ? "timed out after \(timeout)s" : "cannot connect to \(address):\(port)"
      throw GarrisonError(.system, operation: "connect", why, errno: e)
    }
    return fd
  }

  /// Reads from a socket until the peer closes it, `limit` bytes arrived, or the receive timeout passed (then
  /// what arrived so far, and `timedOut`).
  public static func receive(_ fd: Int32, limit: Int) -> (bytes: [UInt8], timedOut: Bool) {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    while out.count < limit {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n < 0 { return (out, errno == EAGAIN || errno == EWOULDBLOCK) }
      if n == 0 { break }
      out += buffer[0..<n]
    }
    return (Array(out.prefix(limit)), false)
  }

  /// Copies `from` to `to` until `from` ends, then shuts down `to`'s writing side; returns the bytes copied.
  /// `splice` through a private pipe; a plain read/write loop where splice is refused.
  public static func copy(from: Int32, to: Int32) -> UInt64 {
    var total: UInt64 = 0
    defer { shutdown(to, Int32(SHUT_WR)) }
    var pipe: [Int32] = [-1, -1]
    if gr_pipe_cloexec(&pipe) == 0 {
      defer { close(pipe[0]); close(pipe[1]) }
      while true {
        let n = gr_splice(from, pipe[1], 1 << 20)
        if n < 0 && errno == EINTR { continue }
        if n < 0 && (errno == EINVAL || errno == ENOSYS) { break }  // fall back to read/write
        if n <= 0 { return total }
        var left = n
        while left > 0 {
          let m = gr_splice(pipe[0], to, Int(left))
          if m < 0 && errno == EINTR { continue }
          if m <= 0 { return total }
          left -= m
          total += UInt64(m)
        }
      }
    }
    var buffer = [UInt8](repeating: 0, count: 256 * 1024)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { return total }
      do { try FileIO.writeAll(fd: to, Array(buffer[0..<n])) } catch { return total }
      total += UInt64(n)
    }
  }
}
