@testable import GarrisonInit
import GarrisonKernel
import Testing

/// The binary init spec (`InitSpecWire`): every field survives the round trip, and damaged input is refused
/// with the offset instead of being half-read.
@Suite struct InitSpecWireTests {
  /// A spec with every field set, optionals present, non-ASCII text and extreme integers.
  static let full: InitSpec = {
    var spec = InitSpec(
      mode: .exec,
      namespaces: [.init(flag: LinuxConstants.CLONE_NEWUSER, type: "user"),
                   .init(flag: LinuxConstants.CLONE_NEWNET, type: "network", path: "/proc/1/ns/net")],
      rootfs: "/var/tmp/rootfs", rootPropagation: 0x4_0000, noPivot: true, readonlyRoot: true,
      mounts: [.init(source: "tmpfs", destination: "/dev/shm", type: "tmpfs", flags: UInt.max,
                     propagation: [1, 2], data: "size=65536k,ünïcode", bind: true, sourceIsDirectory: false)],
      defaultDevices: true,
      devices: [.init(path: "/dev/fuse", type: 0o020000, major: 10, minor: 229, mode: 0o666, uid: 1, gid: UInt32.max)],
      maskedPaths: ["/proc/kcore", ""], readonlyPaths: ["/proc/sys"], hostname: "ctr", domainname: "example",
      sysctls: [["net.ipv4.ip_forward", "1"]], rlimits: [.init(resource: 7, name: "RLIMIT_NOFILE", soft: 1024, hard: UInt64.max)],
      oomScoreAdj: -1000, apparmorProfile: "garrison-default", selinuxLabel: "system_u:system_r:container_t:s0",
      seccomp: .init(bpf: Array(0...255), flags: 3),
      capabilities: CapabilitySets(bounding: 1 << 40, effective: 5, permitted: 7, inheritable: 0, ambient: 1),
      lastCap: 40, user: .init(uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o022), noNewPrivileges: true,
      cwd: "/work", args: ["sh", "-c", "echo \"hi\"\n"], env: ["PATH=/bin", "É=1"])
    spec.terminal = .init(rows: 24, cols: nil)
    spec.uidMappings = [.init(containerID: 0, hostID: 100_000, size: 65536)]
    spec.gidMappings = []
    return spec
  }()

  @Test func roundTripsEveryField() throws {
    #expect(try InitSpecWire.decode(InitSpecWire.encode(Self.full)) == Self.full)
    let minimal = InitSpec(mode: .create, rootfs: "/", lastCap: 0, user: .init(uid: 0, gid: 0), noNewPrivileges: false,
                           cwd: "/", args: ["true"], env: [])
    #expect(try InitSpecWire.decode(InitSpecWire.encode(minimal)) == minimal)
  }

  @Test func damagedInputIsRefusedWithItsOffset() throws {
    let bytes = InitSpecWire.encode(Self.full)
    // Every truncation fails cleanly (never a crash, never a partial spec).
    for cut in stride(from: 0, to: bytes.count, by: 7) {
      #expect(throws: InitSpecWireError.self) { try InitSpecWire.decode(Array(bytes[0..<cut])) }
    }
    #expect(throws: InitSpecWireError(offset: bytes.count, "1 trailing bytes")) {
      try InitSpecWire.decode(bytes + [0])
    }
    var badMagic = bytes
    badMagic[0] = UInt8(ascii: "X")
    #expect(throws: InitSpecWireError(offset: 0, "not an init spec (magic GIS1 missing)")) {
      try InitSpecWire.decode(badMagic)
    }
    // A count far larger than the input is refused before anything is allocated.
    var hugeCount = Array(bytes[0..<4])
    var w = WireWriter()
    w.string("create")
    w.u64(UInt64.max)
    hugeCount += w.out
    #expect(throws: InitSpecWireError.self) { try InitSpecWire.decode(hugeCount) }
  }
}
