@testable import GarrisonInitProtocol
import GarrisonKernel
import Testing

/// The binary init spec (`InitSpecWire`): every field survives the round trip, and damaged input is refused
/// with the offset instead of being half-read.
@Suite struct InitSpecWireTests {
  /// A spec with every field set, optionals present, non-ASCII text and extreme integers.
  static let full: InitSpec = {
    var spec = InitSpec(
      mode: .exec,
      namespaces: [
        .init(flag: LinuxConstants.CLONE_NEWUSER, type: "user"),
        .init(flag: LinuxConstants.CLONE_NEWNET, type: "network", path: "/proc/1/ns/net"),
      ],
      rootfs: "/var/tmp/rootfs", rootPropagation: 0x4_0000, noPivot: true, readonlyRoot: true,
      mounts: [
        .init(
          source: "tmpfs", destination: "/dev/shm", type: "tmpfs", flags: UInt.max,
          propagation: [1, 2], data: "size=65536k,ünïcode", bind: true, sourceIsDirectory: false)
      ],
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
    spec.timeOffsets = [.init(clock: 1, seconds: -5, nanoseconds: 999_999_999), .init(clock: 7, seconds: 1 << 40, nanoseconds: 0)]
    spec.personality = 8
    return spec
  }()

  /// `full` with OCI hooks (a `GIS2` spec).
  static let withHooks: InitSpec = {
    var spec = full
    spec.hooks = .init(
      pauseForRuntime: true,
      createContainer: [
        .init(path: "/usr/bin/mount-hook", args: ["mount-hook", "-x"], env: ["K=v", ""], timeout: 5),
        .init(path: "/h"),
      ],
      startContainer: [.init(path: "/sbin/ldconfig", args: [], env: [], timeout: Int(Int32.max))],
      state: HookState(id: "c1", bundle: "/var/tmp/b", annotations: ["z": "1", "a": "ü\n"]))
    return spec
  }()

  @Test func roundTripsEveryField() throws {
    #expect(try InitSpecWire.decode(InitSpecWire.encode(Self.full)) == Self.full)
    #expect(try InitSpecWire.decode(InitSpecWire.encode(Self.withHooks)) == Self.withHooks)
    var pauseOnly = Self.full
    pauseOnly.hooks = .init(pauseForRuntime: true, state: HookState(id: "c", bundle: "/"))
    #expect(try InitSpecWire.decode(InitSpecWire.encode(pauseOnly)) == pauseOnly)
    let minimal = InitSpec(
      mode: .create, rootfs: "/", lastCap: 0, user: .init(uid: 0, gid: 0), noNewPrivileges: false,
      cwd: "/", args: ["true"], env: [])
    #expect(try InitSpecWire.decode(InitSpecWire.encode(minimal)) == minimal)
  }

  /// Hooks change the magic, so a spec without them is byte for byte what it was before hooks existed (and
  /// state.json of older runtimes decodes), while a spec with them cannot lose them to a truncation.
  @Test func hooksAreAGIS2TailThatCannotBeCutOff() throws {
    let plain = InitSpecWire.encode(Self.full)
    let hooked = InitSpecWire.encode(Self.withHooks)
    #expect(Array(plain.prefix(4)) == Array("GIS1".utf8) && Array(hooked.prefix(4)) == Array("GIS2".utf8))
    #expect(Array(hooked[4..<plain.count]) == Array(plain[4...]))
    // GIS2 ending where GIS1 ends is truncated; GIS1 followed by a hooks section has trailing bytes.
    #expect(throws: InitSpecWireError.self) { try InitSpecWire.decode(Array("GIS2".utf8) + Array(plain[4...])) }
    #expect(throws: InitSpecWireError(offset: plain.count, "\(hooked.count - plain.count) trailing bytes")) {
      try InitSpecWire.decode(Array("GIS1".utf8) + Array(hooked[4...]))
    }
  }

  @Test func damagedInputIsRefusedWithItsOffset() throws {
    // Every truncation fails cleanly (never a crash, never a partial spec), hooks section included.
    for bytes in [InitSpecWire.encode(Self.full), InitSpecWire.encode(Self.withHooks)] {
      for cut in stride(from: 0, to: bytes.count, by: 3) {
        #expect(throws: InitSpecWireError.self) { try InitSpecWire.decode(Array(bytes[0..<cut])) }
      }
    }
    let bytes = InitSpecWire.encode(Self.full)
    #expect(throws: InitSpecWireError(offset: bytes.count, "1 trailing bytes")) {
      try InitSpecWire.decode(bytes + [0])
    }
    var badMagic = bytes
    badMagic[0] = UInt8(ascii: "X")
    #expect(throws: InitSpecWireError(offset: 0, "not an init spec (magic GIS1 or GIS2 missing)")) {
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
