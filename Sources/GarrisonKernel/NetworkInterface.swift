import CGarrisonLinux
import Glibc

/// What the pod network needs from the kernel without an `ip` process: interface flags, bridge ports, an IPv4
/// address and a default route, set with ioctls on an `AF_INET` socket. A socket belongs to the network namespace
/// it is created in, so each call acts in the calling thread's network namespace (a thread that joined the
/// pod's namespace acts there).
extension Kernel {
  /// `ip link set NAME up`: the corresponding system calls are `ioctl(SIOCGIFFLAGS, SIOCSIFFLAGS)` with
  /// `IFF_UP` added.
  public static func setInterfaceUp(_ name: String) throws(Errno) {
    try cPath(name)
    try withInetSocket { fd throws(Errno) in _ = try check { gr_interface_up(fd, name) } }
  }

  /// `ip link set NAME master BRIDGE`: the corresponding system calls are `ioctl(SIOCGIFINDEX)` and
  /// `ioctl(SIOCBRADDIF)`.
  public static func addToBridge(_ name: String, bridge: String) throws(Errno) {
    try cPath(name)
    try cPath(bridge)
    try withInetSocket { fd throws(Errno) in _ = try check { gr_bridge_add_interface(fd, bridge, name) } }
  }

  /// `ip addr add ADDRESS/PREFIX dev NAME` (IPv4): the corresponding system calls are `ioctl(SIOCSIFADDR,
  /// SIOCSIFNETMASK)`.
  public static func setIPv4Address(_ name: String, address: String, prefix: Int) throws(Errno) {
    try cPath(name)
    try cPath(address)
    try withInetSocket { fd throws(Errno) in _ = try check { gr_interface_set_ipv4(fd, name, address, Int32(prefix)) } }
  }

  /// `ip route add default via GATEWAY` (IPv4): the corresponding system call is `ioctl(SIOCADDRT)`.
  public static func addDefaultRoute(via gateway: String) throws(Errno) {
    try cPath(gateway)
    try withInetSocket { fd throws(Errno) in _ = try check { gr_add_default_route(fd, gateway) } }
  }

  private static func withInetSocket(_ body: (Int32) throws(Errno) -> Void) throws(Errno) {
    let fd = try check { socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
    defer { Glibc.close(fd) }
    try body(fd)
  }
}
