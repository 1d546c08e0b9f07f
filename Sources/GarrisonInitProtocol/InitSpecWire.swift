import GarrisonKernel

/// The binary form of `InitSpec` that the runtime hands garrison-init on fd 3 (and keeps in its state):
/// `GIS1`, then every field in declaration order as little-endian 64-bit integers, length-prefixed UTF-8
/// strings and byte strings, counted arrays and a presence byte before optionals (a spec with OCI hooks starts
/// `GIS2` and has them after the rest: `InitSpecWire+Hooks.swift`). No Codable machinery runs on
/// either side: JSON decoding cost the init and the runtime a generic-metadata and conformance lookup per
/// type, about a millisecond each per container start.
///
/// The reader is strict: a wrong magic, a value out of its type's range, a bool other than 0/1, a count larger
/// than the bytes left, or trailing bytes are errors naming the offset.
public enum InitSpecWire {
  static let magic: [UInt8] = Array("GIS1".utf8)

  public static func encode(_ spec: InitSpec) -> [UInt8] {
    var w = WireWriter()
    w.out.append(contentsOf: spec.hooks == nil ? magic : magicWithHooks)
    w.string(spec.mode.rawValue)
    w.count(spec.namespaces.count)
    for ns in spec.namespaces {
      w.int(Int(ns.flag))
      w.string(ns.type)
      w.optionalString(ns.path)
    }
    w.string(spec.rootfs)
    w.uint(spec.rootPropagation)
    w.bool(spec.noPivot)
    w.bool(spec.readonlyRoot)
    w.count(spec.mounts.count)
    for m in spec.mounts {
      w.string(m.source)
      w.string(m.destination)
      w.string(m.type)
      w.uint(m.flags)
      w.count(m.propagation.count)
      for p in m.propagation { w.uint(p) }
      w.string(m.data)
      w.bool(m.bind)
      w.bool(m.sourceIsDirectory)
    }
    w.bool(spec.defaultDevices)
    w.count(spec.devices.count)
    for d in spec.devices {
      w.string(d.path)
      for v in [d.type, d.major, d.minor, d.mode, d.uid, d.gid] { w.uint(UInt(v)) }
    }
    w.strings(spec.maskedPaths)
    w.strings(spec.readonlyPaths)
    w.optionalString(spec.hostname)
    w.optionalString(spec.domainname)
    w.count(spec.sysctls.count)
    for pair in spec.sysctls { w.strings(pair) }
    w.count(spec.rlimits.count)
    for r in spec.rlimits {
      w.int(Int(r.resource))
      w.string(r.name)
      w.u64(r.soft)
      w.u64(r.hard)
    }
    w.bool(spec.oomScoreAdj != nil)
    if let adj = spec.oomScoreAdj { w.int(adj) }
    w.optionalString(spec.apparmorProfile)
    w.optionalString(spec.selinuxLabel)
    w.bool(spec.seccomp != nil)
    if let s = spec.seccomp {
      w.bytes(s.bpf)
      w.uint(UInt(s.flags))
    }
    let c = spec.capabilities
    for v in [c.bounding, c.effective, c.permitted, c.inheritable, c.ambient] { w.u64(v) }
    w.int(spec.lastCap)
    w.uint(UInt(spec.user.uid))
    w.uint(UInt(spec.user.gid))
    w.count(spec.user.additionalGids.count)
    for g in spec.user.additionalGids { w.uint(UInt(g)) }
    w.bool(spec.user.umask != nil)
    if let umask = spec.user.umask { w.uint(UInt(umask)) }
    w.bool(spec.noNewPrivileges)
    w.string(spec.cwd)
    w.strings(spec.args)
    w.strings(spec.env)
    w.bool(spec.terminal != nil)
    if let t = spec.terminal {
      w.bool(t.rows != nil)
      if let rows = t.rows { w.uint(UInt(rows)) }
      w.bool(t.cols != nil)
      if let cols = t.cols { w.uint(UInt(cols)) }
    }
    for maps in [spec.uidMappings, spec.gidMappings] {
      w.bool(maps != nil)
      guard let maps else { continue }
      w.count(maps.count)
      for m in maps {
        w.uint(UInt(m.containerID))
        w.uint(UInt(m.hostID))
        w.uint(UInt(m.size))
      }
    }
    w.bool(spec.personality != nil)
    if let p = spec.personality { w.uint(UInt(p)) }
    w.count(spec.timeOffsets.count)
    for t in spec.timeOffsets {
      w.int(Int(t.clock))
      w.int(Int(t.seconds))
      w.uint(UInt(t.nanoseconds))
    }
    encodeHooks(spec.hooks, into: &w)
    return w.out
  }

  public static func decode(_ bytes: [UInt8]) throws(InitSpecWireError) -> InitSpec {
    var r = WireReader(input: bytes)
    let prefix = bytes.count >= magic.count ? Array(bytes[0..<magic.count]) : []
    guard prefix == magic || prefix == magicWithHooks else {
      throw InitSpecWireError(offset: 0, "not an init spec (magic GIS1 or GIS2 missing)")
    }
    r.at = magic.count
    let modeName = try r.string()
    guard let mode = InitSpec.Mode(rawValue: modeName) else {
      throw InitSpecWireError(offset: r.at, "unknown mode \(modeName)")
    }
    var namespaces: [InitSpec.Namespace] = []
    for _ in 0..<(try r.count()) {
      namespaces.append(InitSpec.Namespace(flag: try r.int32(), type: try r.string(), path: try r.optionalString()))
    }
    let rootfs = try r.string()
    let rootPropagation = try r.uint()
    let noPivot = try r.bool()
    let readonlyRoot = try r.bool()
    var mounts: [InitSpec.Mount] = []
    for _ in 0..<(try r.count()) {
      let source = try r.string()
      let destination = try r.string()
      let type = try r.string()
      let flags = try r.uint()
      var propagation: [UInt] = []
      for _ in 0..<(try r.count()) { propagation.append(try r.uint()) }
      mounts.append(
        InitSpec.Mount(
          source: source, destination: destination, type: type, flags: flags,
          propagation: propagation, data: try r.string(), bind: try r.bool(),
          sourceIsDirectory: try r.bool()))
    }
    let defaultDevices = try r.bool()
    var devices: [InitSpec.Device] = []
    for _ in 0..<(try r.count()) {
      devices.append(
        InitSpec.Device(
          path: try r.string(), type: try r.uint32(), major: try r.uint32(),
          minor: try r.uint32(), mode: try r.uint32(), uid: try r.uint32(),
          gid: try r.uint32()))
    }
    let maskedPaths = try r.strings()
    let readonlyPaths = try r.strings()
    let hostname = try r.optionalString()
    let domainname = try r.optionalString()
    var sysctls: [[String]] = []
    for _ in 0..<(try r.count()) { sysctls.append(try r.strings()) }
    var rlimits: [InitSpec.Rlimit] = []
    for _ in 0..<(try r.count()) {
      rlimits.append(InitSpec.Rlimit(resource: try r.int32(), name: try r.string(), soft: try r.u64(), hard: try r.u64()))
    }
    let oomScoreAdj = try r.bool() ? try r.int() : nil
    let apparmorProfile = try r.optionalString()
    let selinuxLabel = try r.optionalString()
    let seccomp = try r.bool() ? InitSpec.Seccomp(bpf: try r.bytes(), flags: try r.uint32()) : nil
    let capabilities = CapabilitySets(
      bounding: try r.u64(), effective: try r.u64(), permitted: try r.u64(),
      inheritable: try r.u64(), ambient: try r.u64())
    let lastCap = try r.int()
    let uid = try r.uint32()
    let gid = try r.uint32()
    var additionalGids: [UInt32] = []
    for _ in 0..<(try r.count()) { additionalGids.append(try r.uint32()) }
    let umask = try r.bool() ? try r.uint32() : nil
    let noNewPrivileges = try r.bool()
    let cwd = try r.string()
    let args = try r.strings()
    let env = try r.strings()
    var terminal: InitSpec.Terminal?
    if try r.bool() {
      let rows = try r.bool() ? try r.uint16() : nil
      let cols = try r.bool() ? try r.uint16() : nil
      terminal = InitSpec.Terminal(rows: rows, cols: cols)
    }
    var maps: [[InitSpec.IDMap]?] = []
    for _ in 0..<2 {
      guard try r.bool() else {
        maps.append(nil)
        continue
      }
      var list: [InitSpec.IDMap] = []
      for _ in 0..<(try r.count()) {
        list.append(InitSpec.IDMap(containerID: try r.uint32(), hostID: try r.uint32(), size: try r.uint32()))
      }
      maps.append(list)
    }
    let personality = try r.bool() ? try r.uint32() : nil
    var timeOffsets: [InitSpec.TimeOffset] = []
    for _ in 0..<(try r.count()) {
      timeOffsets.append(InitSpec.TimeOffset(clock: try r.int32(), seconds: Int64(try r.int()), nanoseconds: try r.uint32()))
    }
    let hooks = prefix == magicWithHooks ? try decodeHooks(&r) : nil
    guard r.at == bytes.count else { throw InitSpecWireError(offset: r.at, "\(bytes.count - r.at) trailing bytes") }
    var spec = InitSpec(
      mode: mode, namespaces: namespaces, rootfs: rootfs, rootPropagation: rootPropagation, noPivot: noPivot,
      readonlyRoot: readonlyRoot, mounts: mounts, defaultDevices: defaultDevices, devices: devices,
      maskedPaths: maskedPaths, readonlyPaths: readonlyPaths, hostname: hostname, domainname: domainname,
      sysctls: sysctls, rlimits: rlimits, oomScoreAdj: oomScoreAdj, apparmorProfile: apparmorProfile,
      selinuxLabel: selinuxLabel, seccomp: seccomp, capabilities: capabilities, lastCap: lastCap,
      user: InitSpec.User(uid: uid, gid: gid, additionalGids: additionalGids, umask: umask),
      noNewPrivileges: noNewPrivileges, cwd: cwd, args: args, env: env)
    spec.terminal = terminal
    spec.uidMappings = maps[0]
    spec.gidMappings = maps[1]
    spec.personality = personality
    spec.timeOffsets = timeOffsets
    spec.hooks = hooks
    return spec
  }
}

/// A malformed binary init spec: what is wrong and at which byte.
public struct InitSpecWireError: Error, Equatable, CustomStringConvertible {
  public var offset: Int
  public var reason: String
  init(offset: Int, _ reason: String) {
    self.offset = offset
    self.reason = reason
  }
  public var description: String { "byte \(offset): \(reason)" }
}

struct WireWriter {
  var out: [UInt8] = []

  mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
  mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
  mutating func uint(_ v: UInt) { u64(UInt64(v)) }
  mutating func count(_ n: Int) { u64(UInt64(n)) }
  mutating func bool(_ b: Bool) { out.append(b ? 1 : 0) }
  mutating func bytes(_ b: [UInt8]) {
    count(b.count)
    out.append(contentsOf: b)
  }
  mutating func string(_ s: String) { bytes(Array(s.utf8)) }
  mutating func optionalString(_ s: String?) {
    bool(s != nil)
    if let s { string(s) }
  }
  mutating func strings(_ list: [String]) {
    count(list.count)
    for s in list { string(s) }
  }
}

struct WireReader {
  let input: [UInt8]
  var at = 0

  mutating func u64() throws(InitSpecWireError) -> UInt64 {
    guard input.count - at >= 8 else { throw InitSpecWireError(offset: at, "truncated") }
    var v: UInt64 = 0
    for i in 0..<8 { v |= UInt64(input[at + i]) << (8 * UInt64(i)) }
    at += 8
    return v
  }
  mutating func int() throws(InitSpecWireError) -> Int { Int(Int64(bitPattern: try u64())) }
  mutating func uint() throws(InitSpecWireError) -> UInt { UInt(try u64()) }
  mutating func int32() throws(InitSpecWireError) -> Int32 {
    let start = at
    guard let v = Int32(exactly: try int()) else { throw InitSpecWireError(offset: start, "out of Int32 range") }
    return v
  }
  mutating func uint32() throws(InitSpecWireError) -> UInt32 {
    let start = at
    guard let v = UInt32(exactly: try u64()) else { throw InitSpecWireError(offset: start, "out of UInt32 range") }
    return v
  }
  mutating func uint16() throws(InitSpecWireError) -> UInt16 {
    let start = at
    guard let v = UInt16(exactly: try u64()) else { throw InitSpecWireError(offset: start, "out of UInt16 range") }
    return v
  }
  /// An element count: never more than the bytes left (every element takes at least one).
  mutating func count() throws(InitSpecWireError) -> Int {
    let start = at
    let n = try u64()
    guard n <= UInt64(input.count - at) else { throw InitSpecWireError(offset: start, "count \(n) exceeds the input") }
    return Int(n)
  }
  mutating func bool() throws(InitSpecWireError) -> Bool {
    guard at < input.count else { throw InitSpecWireError(offset: at, "truncated") }
    defer { at += 1 }
    switch input[at] {
    case 0: return false
    case 1: return true
    default: throw InitSpecWireError(offset: at, "bool byte \(input[at])")
    }
  }
  mutating func bytes() throws(InitSpecWireError) -> [UInt8] {
    let n = try count()
    defer { at += n }
    return Array(input[at..<(at + n)])
  }
  mutating func string() throws(InitSpecWireError) -> String {
    let start = at
    let raw = try bytes()
    guard let s = String(validating: raw, as: UTF8.self) else { throw InitSpecWireError(offset: start, "invalid UTF-8") }
    return s
  }
  mutating func optionalString() throws(InitSpecWireError) -> String? { try bool() ? try string() : nil }
  mutating func strings() throws(InitSpecWireError) -> [String] {
    var list: [String] = []
    for _ in 0..<(try count()) { list.append(try string()) }
    return list
  }
}
