#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// The pod network: `lo` up in the sandbox (an ioctl from a thread in its namespace), and for `bridge` mode a
/// veth pair whose host end joins the bridge (created on first use with the CIDR's first address) and whose pod
/// end is `eth0` with one address from the pod CIDR. Only addresses inside this machine's own namespaces: no NAT,
/// no routes to the outside. `ip` (only to create links: netlink) runs with arguments Garrison computes (hashed
/// veth names, a validated bridge name), never text from a manifest; the calls for the pod's namespace are made
/// from a thread that joined it (``NamespaceThread``), not through `nsenter`.
public struct PodNetwork {
  public let config: NetworkConfig
  /// The IP lease directory (host-global, because the bridge is).
  public let leaseDirectory: String
  let run: ([String]) throws -> String

  public init(
    config: NetworkConfig, leaseDirectory: String = "/run/garrison/ipam",
    run: @escaping ([String]) throws -> String = { try Spawn.check($0) }
  ) {
    self.config = config
    self.leaseDirectory = leaseDirectory + "/" + config.bridge
    self.run = run
  }

  /// The host-side veth name for a pod (at most 15 characters): a hash of the state root and the pod uid, so the
  /// same namespace/name under two roots sharing a bridge do not collide, and cleanup can recompute it.
  public static func hostVeth(uid: String, root: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
    for b in (root + "\u{0}" + uid).utf8 {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    let hex = String(h, radix: 16)
    return "gv" + String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(11))
  }

  /// Sets up the sandbox's network; returns the pod IP (nil for `none`). Everything but the veth pair's creation
  /// (netlink's `RTM_NEWLINK` with a peer in another namespace: one `ip link add`) is an ioctl from this process:
  /// `lo` and `eth0` up, the address and the default route from a thread inside the pod's network namespace,
  /// the host end onto the bridge and up from here.
  public func setUp(sandbox: Sandbox, uid: String, root: String, owner: String) throws -> (ip: String?, veth: String?) {
    let netns = [NamespaceThread.Target(path: sandbox.path("net"), type: LinuxConstants.CLONE_NEWNET)]
    try NamespaceThread.run(joining: netns) {
      try Self.ioctl("SIOCSIFFLAGS", "bring lo up in the pod network namespace") { try Kernel.setInterfaceUp("lo") }
    }
    guard config.mode == .bridge else { return (nil, nil) }
    let cidr = try CIDR(config.cidr)
    try ensureBridge(cidr)
    let ip = try allocate(cidr, owner: owner)
    let veth = Self.hostVeth(uid: uid, root: root)
    do {
      try sh(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", "\(sandbox.process.pid)"])
      try Self.ioctl("SIOCBRADDIF", "cannot add \(veth) to the bridge \(config.bridge)") {
        try Kernel.addToBridge(veth, bridge: config.bridge)
      }
      try Self.ioctl("SIOCSIFFLAGS", "cannot bring \(veth) up") { try Kernel.setInterfaceUp(veth) }
      let gateway = cidr.address(1)
      try NamespaceThread.run(joining: netns) {
        try Self.ioctl("SIOCSIFADDR", "cannot set the pod address \(ip)/\(cidr.prefix) on eth0") {
          try Kernel.setIPv4Address("eth0", address: ip, prefix: cidr.prefix)
        }
        try Self.ioctl("SIOCSIFFLAGS", "cannot bring eth0 up in the pod network namespace") { try Kernel.setInterfaceUp("eth0") }
        try Self.ioctl("SIOCADDRT", "cannot add the pod's default route via \(gateway)") { try Kernel.addDefaultRoute(via: gateway) }
      }
    } catch {
      release(ip)
      throw error
    }
    return (ip, veth)
  }

  /// Runs one of GarrisonKernel's interface calls, its errno as a GarrisonError.
  static func ioctl(_ operation: String, _ message: String, _ body: () throws -> Void) throws {
    do { try body() } catch let error as Errno {
      throw GarrisonError(.system, operation: operation, message, errno: error.rawValue)
    }
  }

  /// Runs a command whose output is not needed.
  func sh(_ argv: [String]) throws { _ = try run(argv) }

  func ensureBridge(_ cidr: CIDR) throws {
    try withLock {
      // The bridge exists: its directory in the host's sysfs (no `ip link show` process; the name is validated).
      if (try? FileStatus.of("/sys/class/net/" + config.bridge)) != nil { return }
      // Creating a link needs netlink (one `ip link add`); its address and flags are the same ioctls as the pod's.
      try sh(["ip", "link", "add", config.bridge, "type", "bridge"])
      let gateway = cidr.address(1)
      try Self.ioctl("SIOCSIFADDR", "cannot set the address \(gateway)/\(cidr.prefix) on the bridge \(config.bridge)") {
        try Kernel.setIPv4Address(config.bridge, address: gateway, prefix: cidr.prefix)
      }
      try Self.ioctl("SIOCSIFFLAGS", "cannot bring the bridge \(config.bridge) up") { try Kernel.setInterfaceUp(config.bridge) }
    }
  }

  /// Takes the lowest free address (from .2) by creating its lease file exclusively.
  func allocate(_ cidr: CIDR, owner: String) throws -> String {
    try FS.mkdirs(leaseDirectory)
    for i in 2..<min(cidr.size - 1, 65_536) {
      let ip = cidr.address(i)
      let fd = open(leaseDirectory + "/" + ip, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
      if fd < 0 {
        if errno == EEXIST { continue }
        throw GarrisonError(.system, operation: "open", "cannot write IP lease in \(leaseDirectory)", errno: errno)
      }
      _ = owner.withCString { write(fd, $0, strlen($0)) }
      close(fd)
      return ip
    }
    throw GarrisonError(.refused, "no free address left in pod CIDR \(config.cidr)")
  }

  /// The lease owner string of a pod (written into its lease file).
  public static func owner(root: String, namespace: String, name: String) -> String { "\(root) \(namespace)/\(name)" }

  /// Releases every lease held by `owner` (after a crash the status may not name the address).
  public func releaseLeases(owner: String) throws {
    guard FS.type(leaseDirectory) == S_IFDIR else { return }
    let ips: [String]
    do {
      ips = try FileManager.default.contentsOfDirectory(atPath: leaseDirectory)
    } catch {
      throw GarrisonError(.system, operation: "readdir", "cannot list IP leases in \(leaseDirectory): \(error)")
    }
    for ip in ips {
      guard let data = FileManager.default.contents(atPath: leaseDirectory + "/" + ip) else { continue }
      if String(decoding: data, as: UTF8.self) == owner { release(ip) }
    }
  }

  /// Releases a lease (idempotent).
  public func release(_ ip: String) {
    unlink(leaseDirectory + "/" + ip)
  }

  /// Removes the host veth (its peer dies with the namespace) and the lease; idempotent.
  public func tearDown(ip: String?, veth: String?) throws {
    defer { if let ip { release(ip) } }
    guard let veth, (try? run(["ip", "link", "show", veth])) != nil else { return }
    do {
      try sh(["ip", "link", "del", veth])
    } catch {
      // The veth also disappears when the sandbox's network namespace dies; only a veth that stays is an error.
      if (try? run(["ip", "link", "show", veth])) != nil { throw error }
    }
  }

  func withLock<T>(_ body: () throws -> T) throws -> T {
    try FS.mkdirs("/run/garrison")
    let fd = open("/run/garrison/network.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open", "cannot open the network lock", errno: errno) }
    defer { close(fd) }
    guard flock(fd, LOCK_EX) == 0 else { throw GarrisonError(.system, operation: "flock", "cannot lock the network", errno: errno) }
    return try body()
  }
}

extension NetworkConfig {
  /// Checks a bridge name as the kernel takes interface names (1 to 15 bytes; no `/`, `:`, white space or NUL;
  /// not `.` or `..`) and refuses a leading `-`, which `ip` would read as an option. It also names a lease
  /// directory, so it must be a plain file name.
  public static func validateBridge(_ name: String) throws {
    let bytes = Array(name.utf8)
    let ok =
      (1...15).contains(bytes.count) && name != "." && name != ".." && bytes.first != UInt8(ascii: "-")
      && bytes.allSatisfy { b in b > 0x20 && b < 0x7f && b != UInt8(ascii: "/") && b != UInt8(ascii: ":") }
    guard ok else {
      throw GarrisonError(
        .usage, "invalid bridge name \"\(ContainedPath.printable(name))\" (1-15 characters, no '/', ':', spaces; not starting with '-')")
    }
  }
}

/// An IPv4 CIDR block.
public struct CIDR: Sendable, Equatable {
  public let base: UInt32
  public let prefix: Int

  public init(_ text: String) throws {
    let parts = text.split(separator: "/")
    let octets = parts.first?.split(separator: ".").compactMap { UInt32($0) } ?? []
    guard parts.count == 2, let p = Int(parts[1]), (8...30).contains(p), octets.count == 4, octets.allSatisfy({ $0 < 256 }) else {
      throw GarrisonError(.usage, "invalid pod CIDR \"\(text)\" (want a.b.c.d/8..30)")
    }
    let addr = octets.reduce(UInt32(0)) { $0 << 8 | $1 }
    let mask: UInt32 = p == 0 ? 0 : ~UInt32(0) << (32 - p)
    base = addr & mask
    prefix = p
  }

  public var size: Int { 1 << (32 - prefix) }

  public func address(_ offset: Int) -> String {
    let a = base + UInt32(offset)
    return "\(a >> 24).\((a >> 16) & 255).\((a >> 8) & 255).\(a & 255)"
  }
}
