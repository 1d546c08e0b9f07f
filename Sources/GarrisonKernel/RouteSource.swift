import GarrisonCore
import Glibc

/// The local IPv4 address the kernel would send from to reach a destination, as `ip -4 route get <dst>` prints
/// after `src`: a UDP socket `connect(2)`ed to the destination (which sends nothing) and `getsockname(2)`. The pod
/// runner's host address, without running `ip` once per pod.
public enum RouteSource {
  /// The source address for `destination` (an IPv4 address) from the calling thread's network namespace; nil
  /// when there is no route (the `connect` fails) or the address is not IPv4.
  public static func address(to destination: String) -> String? {
    var sa = sockaddr_in()
    sa.sin_family = sa_family_t(AF_INET)
    sa.sin_port = UInt16(53).bigEndian
    guard inet_pton(AF_INET, destination, &sa.sin_addr) == 1 else { return nil }
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let connected = withUnsafePointer(to: &sa) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    var local = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &local) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0, local.sin_family == sa_family_t(AF_INET) else { return nil }
    var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    guard inet_ntop(AF_INET, &local.sin_addr, &text, socklen_t(text.count)) != nil else { return nil }
    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
