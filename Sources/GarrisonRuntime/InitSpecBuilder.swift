#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCgroups
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import GarrisonLSMHost
import GarrisonOCI
import Glibc

/// Validates a `RuntimeSpec` and resolves it into the `InitSpec` the init executes. Every rejection is a
/// `GarrisonError` naming the config.json field; nothing is created on the host while building.
public struct InitSpecBuilder {
  public var seccomp: any SeccompBPFCompiling
  /// The highest capability of this kernel.
  public var lastCap: Int
  /// The runtime's own bounding set: capabilities outside it cannot be granted (e.g. no CAP_SYS_RESOURCE here).
  public var hostBounding: UInt64
  /// The host's LSMs (garrison-oci's one probe, `HostLSM.current`).
  public var host: HostLSM
  /// Whether the kernel holds an AppArmor profile (libapparmor's query interface, `AppArmorLibrary.isLoaded`), or
  /// nil when it cannot be asked here (securityfs not mounted); then garrison-init's `aa_change_onexec` is the
  /// only check, and it fails closed as well, just later and with exit code 4 instead of 3. Replaced in unit tests.
  public var appArmorProfileIsLoaded: @Sendable (String) -> Bool? = { AppArmorLibrary.isLoaded($0) }
  /// Whether the loaded policy accepts an SELinux context (libselinux's `security_check_context`); replaced in
  /// unit tests.
  public var seLinuxContextIsValid: @Sendable (String) -> Bool = { SELinuxLibrary.isValidContext($0) }
  /// The host's cgroup layout for a `cgroup` mount in a new cgroup namespace (`CgroupMountExpansion`): the runtime's
  /// cgroup manager has detected it already (on its warm-up thread); nil detects it here.
  public var cgroupLayout: (@Sendable () throws -> CgroupLayout?)?

  public init(seccomp: any SeccompBPFCompiling, host: HostLSM) throws {
    self.seccomp = seccomp
    self.host = host
    do {
      lastCap = try Capability.lastCap()
      hostBounding = try ProcStatus.read(pid: nil).capBnd
    } catch {
      throw GarrisonError(
        .system, operation: "read capabilities", "cannot read host capability state",
        errno: error.rawValue)
    }
  }

  static let namespaceFlags: [String: Int32] = [
    "pid": LinuxConstants.CLONE_NEWPID, "network": LinuxConstants.CLONE_NEWNET,
    "mount": LinuxConstants.CLONE_NEWNS, "ipc": LinuxConstants.CLONE_NEWIPC, "uts": LinuxConstants.CLONE_NEWUTS,
    "cgroup": LinuxConstants.CLONE_NEWCGROUP, "user": LinuxConstants.CLONE_NEWUSER,
    "time": LinuxConstants.CLONE_NEWTIME,
  ]

  /// The clocks a time namespace offsets (`linux.timeOffsets` keys), as clock ids.
  static let timeNamespaceClocks: [String: Int32] = ["monotonic": 1, "boottime": 7]

  /// The namespaces of `spec` the init may create before its spec arrives (`EarlyUnshare`), read from the
  /// config as given: 0 when a type is unknown (`build` reports it). The init checks them against the spec
  /// `build` makes.
  static func earlyUnshare(_ spec: RuntimeSpec) -> Int32 {
    var namespaces: [(flag: Int32, path: String?)] = []
    for ns in spec.linux?.namespaces ?? [] {
      guard let flag = namespaceFlags[ns.type] else { return 0 }
      namespaces.append((flag, ns.path))
    }
    return EarlyUnshare.flags(namespaces)
  }

  /// Builds the init spec of a new container from `spec` in `bundle`.
  public func build(_ spec: RuntimeSpec, bundle: String, noPivot: Bool) throws -> InitSpec {
    guard let process = spec.process else {
      throw GarrisonError(.invalid, "process is required", field: FieldPath("process"))
    }
    guard let root = spec.root else { throw GarrisonError(.invalid, "root is required", field: FieldPath("root")) }
    let rootfs = Self.absolute(root.path, bundle: bundle)
    var isDir = false
    guard FileManager.default.fileExists(atPath: rootfs, isDirectory: &isDir), isDir else {
      throw GarrisonError(
        .notFound, "rootfs \(rootfs) does not exist or is not a directory",
        field: FieldPath("root.path"))
    }
    _ = try OCIHooks(spec.hooks)  // validated here too; `OCIRuntime.create` attaches them (they need the id)
    let linux = spec.linux ?? RuntimeSpec.Linux()
    // The mount label labels every tmpfs the init mounts (`context=`, as runc does); files the container gets
    // from the host (rootfs, volumes) are labelled by whoever prepares them (the pod runner, see docs/selinux.md).
    var mountLabel: String?
    if let label = linux.mountLabel, !label.isEmpty {
      try checkSELinuxContext(label, field: FieldPath("linux.mountLabel"), what: "mount label")
      mountLabel = label
    }
    let namespaces = try buildNamespaces(linux.namespaces ?? [])
    let created = Set(namespaces.filter { $0.path == nil }.map(\.type))
    // The init mounts, pivots and masks inside the container's mount namespace: a new one, or one joined by
    // path (as runc and crun, the root switch then happens in that namespace, which the caller chose). Without
    // any, the container shares the runtime's: the init mounts below its own bind of the rootfs there (made
    // private, so nothing propagates; `delete` detaches it), the root is a chroot, and CAP_SYS_CHROOT, which
    // would leave it, is withheld (`GrantWithheld.chrootWithoutMountNamespace`).
    let types = Set(namespaces.map(\.type))
    // hostname and domainname are set in the container's UTS namespace, new or joined; never in the host's.
    if spec.hostname != nil && !types.contains("uts") {
      throw GarrisonError(.invalid, "hostname requires a uts namespace (new, or joined by path)", field: FieldPath("hostname"))
    }
    if spec.domainname != nil && !types.contains("uts") {
      throw GarrisonError(.invalid, "domainname requires a uts namespace (new, or joined by path)", field: FieldPath("domainname"))
    }
    let mounts = try CgroupMountExpansion.expand(
      try buildMounts(spec.mounts ?? [], bundle: bundle, mountLabel: mountLabel),
      cgroupNamespace: created.contains("cgroup"), layout: { try cgroupLayout?() })
    var sysctls: [[String]] = []
    for key in (linux.sysctl ?? [:]).keys.sorted() {
      try checkSysctl(key, created: created)
      sysctls.append([key, linux.sysctl![key]!])
    }
    var devices: [InitSpec.Device] = []
    for (i, d) in (linux.devices ?? []).enumerated() {
      devices.append(try buildDevice(d, field: FieldPath("linux.devices") / i))
    }
    if let prop = linux.rootfsPropagation, Self.propagation[prop] == nil {
      throw GarrisonError(.invalid, "unknown propagation \(prop)", field: FieldPath("linux.rootfsPropagation"))
    }
    var result = try buildProcess(
      process,
      base: InitSpec(
        mode: .create, namespaces: namespaces, rootfs: rootfs, lastCap: lastCap,
        user: .init(uid: 0, gid: 0), noNewPrivileges: false, cwd: "/", args: [], env: []))
    result.namespaces = namespaces
    result.timeOffsets = try buildTimeOffsets(linux.timeOffsets, newTimeNamespace: created.contains("time"))
    result.personality = try buildPersonality(linux.personality)
    result.rootPropagation = linux.rootfsPropagation.flatMap { Self.propagation[$0] } ?? 0
    result.noPivot = noPivot
    result.readonlyRoot = root.readonly ?? false
    result.mounts = mounts
    result.defaultDevices = mounts.contains { $0.destination == "/dev" && !$0.bind }
    result.devices = devices
    result.maskedPaths = linux.maskedPaths ?? []
    result.readonlyPaths = linux.readonlyPaths ?? []
    result.hostname = spec.hostname
    result.domainname = spec.domainname
    result.sysctls = sysctls
    try applyUserNamespace(linux, namespaces: namespaces, to: &result)
    if let profile = linux.seccomp {
      var flags: UInt32 = 0
      for (i, flag) in (profile.flags ?? []).enumerated() {
        switch flag {
        case "SECCOMP_FILTER_FLAG_LOG": flags |= LinuxConstants.SECCOMP_FILTER_FLAG_LOG
        case "SECCOMP_FILTER_FLAG_SPEC_ALLOW": flags |= LinuxConstants.SECCOMP_FILTER_FLAG_SPEC_ALLOW
        case "SECCOMP_FILTER_FLAG_TSYNC": break  // the init is single-threaded
        default: throw GarrisonError(.invalid, "unknown seccomp flag \(flag)", field: FieldPath("linux.seccomp.flags") / i)
        }
      }
      result.seccomp = InitSpec.Seccomp(bpf: try seccomp.compile(profile), flags: flags)
    }
    try SeccompDigestPin.check(annotations: spec.annotations, bpf: result.seccomp?.bpf)
    return result
  }

  /// Applies `process` (credentials, capabilities, rlimits, LSM labels, args) on top of `base`.
  /// Refuses a string bound for a system call that holds a NUL byte (C would see only the part before it).
  static func refuseNUL(_ text: String, _ field: FieldPath) throws {
    if text.utf8.contains(0) { throw GarrisonError(.invalid, "must not contain a NUL byte", field: field) }
  }

  public func buildProcess(_ p: RuntimeSpec.Process, base: InitSpec) throws -> InitSpec {
    var s = base
    let f = FieldPath("process")
    s.terminal = nil
    if p.terminal == true {
      var t = InitSpec.Terminal()
      if let size = p.consoleSize {
        guard let rows = UInt16(exactly: size.height), let cols = UInt16(exactly: size.width) else {
          throw GarrisonError(
            .invalid, "consoleSize \(size.width)x\(size.height) is out of range",
            field: f / "consoleSize")
        }
        t.rows = rows
        t.cols = cols
      }
      s.terminal = t
    }
    guard let args = p.args, !args.isEmpty else {
      throw GarrisonError(.invalid, "args must name the program to run", field: f / "args")
    }
    guard p.cwd.hasPrefix("/") else { throw GarrisonError(.invalid, "cwd must be absolute", field: f / "cwd") }
    // execve and chdir take C strings: a NUL would silently cut an argument, a variable or the cwd short.
    for (i, a) in args.enumerated() { try Self.refuseNUL(a, f / "args" / i) }
    for (i, e) in (p.env ?? []).enumerated() { try Self.refuseNUL(e, f / "env" / i) }
    try Self.refuseNUL(p.cwd, f / "cwd")
    s.args = args
    s.env = p.env ?? []
    s.cwd = p.cwd
    // umask defaults to 0022 (as runc and crun do) rather than whatever the caller of the runtime had.
    s.user = .init(
      uid: p.user.uid, gid: p.user.gid, additionalGids: p.user.additionalGids ?? [],
      umask: p.user.umask ?? 0o022)
    s.noNewPrivileges = p.noNewPrivileges ?? false
    s.oomScoreAdj = p.oomScoreAdj
    let caps = p.capabilities ?? RuntimeSpec.Capabilities()
    let cf = f / "capabilities"
    s.capabilities = CapabilitySets(
      bounding: try mask(caps.bounding, cf / "bounding"), effective: try mask(caps.effective, cf / "effective"),
      permitted: try mask(caps.permitted, cf / "permitted"), inheritable: try mask(caps.inheritable, cf / "inheritable"),
      ambient: try mask(caps.ambient, cf / "ambient"))
    let c = s.capabilities
    if c.effective & ~c.permitted != 0 {
      throw GarrisonError(
        .invalid, "effective has \(Capability.names(in: c.effective & ~c.permitted)) not in permitted",
        field: cf / "effective")
    }
    // An ambient capability outside permitted ∩ inheritable cannot be raised (PR_CAP_AMBIENT_RAISE: EPERM). Not
    // granting a privilege confines more, never less (DESIGN.md rule 13): it is left out, as runc and crun
    // leave it (their raise fails with a warning); `GrantWithheld` names it for the warning and audit event.
    s.capabilities.ambient &= c.permitted & c.inheritable
    if s.sharesRuntimeMountNamespace, let chroot = Capability.number(GrantWithheld.sysChroot) {
      // The root is a chroot: a process that may call chroot(2) could leave it (`GrantWithheld`).
      let bit = ~(UInt64(1) << UInt64(chroot))
      s.capabilities.bounding &= bit
      s.capabilities.effective &= bit
      s.capabilities.permitted &= bit
      s.capabilities.inheritable &= bit
      s.capabilities.ambient &= bit
    }
    if c.permitted & ~c.bounding != 0 {
      throw GarrisonError(
        .invalid, "permitted has \(Capability.names(in: c.permitted & ~c.bounding)) not in bounding",
        field: cf / "permitted")
    }
    s.rlimits = []
    for (i, r) in (p.rlimits ?? []).enumerated() {
      guard let n = RlimitResource.number(r.type) else {
        throw GarrisonError(.invalid, "unknown rlimit \(r.type)", field: f / "rlimits" / i / "type")
      }
      guard r.soft <= r.hard else {
        throw GarrisonError(.invalid, "soft limit \(r.soft) is above hard limit \(r.hard)", field: f / "rlimits" / i)
      }
      s.rlimits.append(.init(resource: n, name: r.type, soft: r.soft, hard: r.hard))
    }
    if let profile = p.apparmorProfile, !profile.isEmpty {
      guard !profile.utf8.contains(0) else {
        throw GarrisonError(.invalid, "AppArmor profile name has a NUL byte", field: f / "apparmorProfile")
      }
      if host.appArmor {
        // nil (cannot ask: securityfs not mounted): the init's aa_change_onexec still checks.
        if profile != "unconfined", appArmorProfileIsLoaded(profile) == false {
          throw GarrisonError(
            .unenforceable,
            "AppArmor profile \(profile) is not loaded in the kernel (aa_query_label: no such label; load it with apparmor_parser -r)",
            field: f / "apparmorProfile")
        }
        s.apparmorProfile = profile
      } else if profile != "unconfined" {
        throw GarrisonError(
          .unenforceable, "AppArmor profile \(profile) requested but AppArmor is not enabled in this kernel",
          field: f / "apparmorProfile")
      }
    }
    if let label = p.selinuxLabel, !label.isEmpty {
      try checkSELinuxContext(label, field: f / "selinuxLabel", what: "label")
      s.selinuxLabel = label
    }
    return s
  }

  func mask(_ names: [String]?, _ field: FieldPath) throws -> UInt64 {
    var m: UInt64 = 0
    for (i, name) in (names ?? []).enumerated() {
      guard let n = Capability.number(name) else {
        throw GarrisonError(.invalid, "unknown capability \(name)", field: field / i)
      }
      guard n <= lastCap else {
        throw GarrisonError(.unenforceable, "\(name) is not supported by this kernel", field: field / i)
      }
      let bit = UInt64(1) << UInt64(n)
      if hostBounding & bit == 0 && !field.description.hasSuffix("bounding") {
        throw GarrisonError(.unenforceable, "\(name) is not available to the runtime on this host", field: field / i)
      }
      m |= bit & (field.description.hasSuffix("bounding") ? hostBounding : ~0)
    }
    return m
  }

  func buildNamespaces(_ list: [RuntimeSpec.Namespace]) throws -> [InitSpec.Namespace] {
    var seen = Set<String>()
    var out: [InitSpec.Namespace] = []
    for (i, ns) in list.enumerated() {
      let f = FieldPath("linux.namespaces") / i
      if ns.type == "time" && !FileManager.default.fileExists(atPath: "/proc/self/ns/time") {
        throw GarrisonError(.unenforceable, "this kernel has no time namespaces (CONFIG_TIME_NS)", field: f / "type")
      }
      guard let flag = Self.namespaceFlags[ns.type] else {
        throw GarrisonError(.invalid, "unknown namespace type \(ns.type)", field: f / "type")
      }
      guard seen.insert(ns.type).inserted else {
        throw GarrisonError(.invalid, "duplicate namespace \(ns.type)", field: f / "type")
      }
      if let path = ns.path, !FileManager.default.fileExists(atPath: path) {
        throw GarrisonError(.notFound, "namespace path \(path) does not exist", field: f / "path")
      }
      out.append(.init(flag: flag, type: ns.type, path: ns.path))
    }
    return out
  }

  /// `linux.personality`: the domains runtime-spec names, as `personality(2)` values; flags (none defined) are
  /// refused rather than dropped.
  func buildPersonality(_ p: RuntimeSpec.Personality?) throws -> UInt32? {
    guard let p else { return nil }
    let field = FieldPath("linux.personality")
    guard let domain = ["LINUX": UInt32(0), "LINUX32": UInt32(8)][p.domain] else {
      throw GarrisonError(.invalid, "unknown domain \(p.domain) (LINUX or LINUX32)", field: field / "domain")
    }
    if let flags = p.flags, !flags.isEmpty {
      throw GarrisonError(.unenforceable, "personality flags are not supported by garrison-oci", field: field / "flags")
    }
    return domain
  }

  /// `linux.timeOffsets`: only for a new time namespace, only the clocks a time namespace has, nanoseconds
  /// below a second; in clock order (the init writes them in one go).
  func buildTimeOffsets(_ offsets: [String: RuntimeSpec.TimeOffset]?, newTimeNamespace: Bool) throws
    -> [InitSpec.TimeOffset]
  {
    let field = FieldPath("linux.timeOffsets")
    guard let offsets, !offsets.isEmpty else { return [] }
    guard newTimeNamespace else {
      throw GarrisonError(.invalid, "time offsets need a new time namespace in linux.namespaces", field: field)
    }
    var out: [InitSpec.TimeOffset] = []
    for clock in offsets.keys.sorted() {
      guard let id = Self.timeNamespaceClocks[clock] else {
        throw GarrisonError(
          .invalid, "unknown clock \(clock) (a time namespace offsets monotonic and boottime)",
          field: field.appending(key: clock))
      }
      let o = offsets[clock]!
      let nanoseconds = o.nanosecs ?? 0
      guard nanoseconds < 1_000_000_000 else {
        throw GarrisonError(.invalid, "nanosecs must be below 1000000000", field: field.appending(key: clock) / "nanosecs")
      }
      out.append(InitSpec.TimeOffset(clock: id, seconds: o.secs ?? 0, nanoseconds: nanoseconds))
    }
    return out
  }

  /// Validates `linux.uidMappings`/`gidMappings` against the namespaces and the process user and stores
  /// them in `spec`: maps need a new user namespace, a new one needs both maps with container id 0 mapped
  /// (the init works as the namespace's root), ranges must not overlap, and every id of `process.user` must
  /// be mapped (an unmapped id would make setresuid fail inside, or run as the overflow id).
  func applyUserNamespace(_ linux: RuntimeSpec.Linux, namespaces: [InitSpec.Namespace], to spec: inout InitSpec)
    throws
  {
    let uidMaps = linux.uidMappings ?? []
    let gidMaps = linux.gidMappings ?? []
    guard let user = namespaces.first(where: { $0.flag == LinuxConstants.CLONE_NEWUSER }) else {
      if !uidMaps.isEmpty || !gidMaps.isEmpty {
        throw GarrisonError(
          .invalid, "uid/gid mappings need a user namespace in linux.namespaces",
          field: FieldPath(uidMaps.isEmpty ? "linux.gidMappings" : "linux.uidMappings"))
      }
      return
    }
    func convert(_ maps: [RuntimeSpec.IDMapping], _ name: String) throws -> [InitSpec.IDMap] {
      let field = FieldPath("linux.\(name)")
      guard !maps.isEmpty else {
        throw GarrisonError(.invalid, "a new user namespace needs \(name)", field: field)
      }
      guard maps.count <= 340 else { throw GarrisonError(.invalid, "too many mappings (kernel limit 340)", field: field) }
      var out: [InitSpec.IDMap] = []
      for (i, m) in maps.enumerated() {
        guard m.size > 0, UInt64(m.containerID) + UInt64(m.size) <= 1 << 32,
          UInt64(m.hostID) + UInt64(m.size) <= 1 << 32
        else { throw GarrisonError(.invalid, "empty or overflowing range", field: field / i) }
        for (j, o) in out.enumerated() {
          let inside = m.containerID < o.containerID + o.size && o.containerID < m.containerID + m.size
          let outside = m.hostID < o.hostID + o.size && o.hostID < m.hostID + m.size
          if inside || outside {
            throw GarrisonError(.invalid, "range overlaps \(name)[\(j)]", field: field / i)
          }
        }
        out.append(.init(containerID: m.containerID, hostID: m.hostID, size: m.size))
      }
      guard InitSpec.IDMap.host(0, in: out) != nil else {
        throw GarrisonError(
          .invalid, "container id 0 must be mapped (the init sets the container up as root of the user namespace)",
          field: field)
      }
      return out
    }
    if let path = user.path {
      // Joining an existing user namespace: its maps are already written; they are read from the kernel, and
      // maps given in the config must be the same (as runc checks).
      let index = namespaces.firstIndex { $0.flag == LinuxConstants.CLONE_NEWUSER }!
      let joined = try JoinedUserNamespace.read(path: path, field: FieldPath("linux.namespaces") / index / "path")
      for (name, given, actual) in [("uidMappings", uidMaps, joined.uidMappings), ("gidMappings", gidMaps, joined.gidMappings)]
      where !given.isEmpty {
        let converted = given.map { InitSpec.IDMap(containerID: $0.containerID, hostID: $0.hostID, size: $0.size) }
        guard JoinedUserNamespace.sorted(converted) == JoinedUserNamespace.sorted(actual) else {
          throw GarrisonError(
            .invalid,
            "\(name) differ from those of the user namespace at \(path) "
              + "(\(UserNamespaceMaps.text(actual).split(separator: "\n").joined(separator: ", ")))",
            field: FieldPath("linux.\(name)"))
        }
      }
      spec.uidMappings = joined.uidMappings
      spec.gidMappings = joined.gidMappings
      guard InitSpec.IDMap.host(0, in: joined.uidMappings) != nil, InitSpec.IDMap.host(0, in: joined.gidMappings) != nil
      else {
        throw GarrisonError(
          .invalid,
          "the user namespace at \(path) does not map id 0 (the init sets the container up "
            + "as root of the user namespace)", field: FieldPath("linux.namespaces") / index / "path")
      }
    } else {
      spec.uidMappings = try convert(uidMaps, "uidMappings")
      spec.gidMappings = try convert(gidMaps, "gidMappings")
    }
    try checkMapped(spec.user, spec: spec, field: FieldPath("process.user"))
    if spec.defaultDevices || !spec.devices.isEmpty {
      for d in spec.devices where !FileManager.default.fileExists(atPath: d.path) {
        throw GarrisonError(
          .notFound, "in a user namespace devices are bind-mounted from the host, and \(d.path) is missing",
          field: FieldPath("linux.devices"))
      }
    }
  }

  /// Refuses a process user whose ids the container's user namespace does not map.
  public func checkMapped(_ u: InitSpec.User, spec: InitSpec, field: FieldPath) throws {
    guard spec.hasUserNamespace else { return }
    let uids = spec.uidMappings ?? []
    let gids = spec.gidMappings ?? []
    guard InitSpec.IDMap.host(u.uid, in: uids) != nil else {
      throw GarrisonError(.invalid, "uid \(u.uid) is not mapped by linux.uidMappings", field: field / "uid")
    }
    guard InitSpec.IDMap.host(u.gid, in: gids) != nil else {
      throw GarrisonError(.invalid, "gid \(u.gid) is not mapped by linux.gidMappings", field: field / "gid")
    }
    for (i, g) in u.additionalGids.enumerated() where InitSpec.IDMap.host(g, in: gids) == nil {
      throw GarrisonError(.invalid, "gid \(g) is not mapped by linux.gidMappings", field: field / "additionalGids" / i)
    }
  }

  static let flagOptions: [String: (set: Bool, flag: UInt)] = {
    typealias C = LinuxConstants
    return [
      "ro": (true, C.MS_RDONLY), "rw": (false, C.MS_RDONLY), "nosuid": (true, C.MS_NOSUID),
      "suid": (false, C.MS_NOSUID), "nodev": (true, C.MS_NODEV), "dev": (false, C.MS_NODEV),
      "noexec": (true, C.MS_NOEXEC), "exec": (false, C.MS_NOEXEC), "sync": (true, C.MS_SYNCHRONOUS),
      "async": (false, C.MS_SYNCHRONOUS), "dirsync": (true, C.MS_DIRSYNC), "mand": (true, C.MS_MANDLOCK),
      "nomand": (false, C.MS_MANDLOCK), "noatime": (true, C.MS_NOATIME), "atime": (false, C.MS_NOATIME),
      "nodiratime": (true, C.MS_NODIRATIME), "diratime": (false, C.MS_NODIRATIME),
      "relatime": (true, C.MS_RELATIME), "norelatime": (false, C.MS_RELATIME),
      "strictatime": (true, C.MS_STRICTATIME), "nostrictatime": (false, C.MS_STRICTATIME),
      "nosymfollow": (true, C.MS_NOSYMFOLLOW), "bind": (true, C.MS_BIND), "rbind": (true, C.MS_BIND | C.MS_REC),
    ]
  }()

  static let propagation: [String: UInt] = {
    typealias C = LinuxConstants
    return [
      "private": C.MS_PRIVATE, "rprivate": C.MS_PRIVATE | C.MS_REC, "shared": C.MS_SHARED,
      "rshared": C.MS_SHARED | C.MS_REC, "slave": C.MS_SLAVE, "rslave": C.MS_SLAVE | C.MS_REC,
      "unbindable": C.MS_UNBINDABLE, "runbindable": C.MS_UNBINDABLE | C.MS_REC,
    ]
  }()

  /// Refuses an SELinux context when SELinux is off or the loaded policy does not know it: before anything is
  /// created (exit 3, naming `field`), never left to the init's write of the exec label or to a mount failing.
  func checkSELinuxContext(_ context: String, field: FieldPath, what: String) throws {
    guard host.seLinuxEnabled else {
      throw GarrisonError(
        .unenforceable, "SELinux \(what) \(context) requested but SELinux is not enabled in this kernel",
        field: field)
    }
    guard !context.utf8.contains(UInt8(ascii: "\"")), seLinuxContextIsValid(context) else {
      throw GarrisonError(
        .unenforceable,
        "SELinux \(what) \(context) is not a valid context in the loaded policy (security_check_context); "
          + "for container_t and container_file_t load Garrison's module with `garrison selinux load`",
        field: field)
    }
  }

  func buildMounts(_ mounts: [RuntimeSpec.Mount], bundle: String, mountLabel: String? = nil) throws -> [InitSpec.Mount] {
    var out: [InitSpec.Mount] = []
    for (i, m) in mounts.enumerated() {
      let f = FieldPath("mounts") / i
      guard m.destination.hasPrefix("/") else {
        throw GarrisonError(.invalid, "destination \(m.destination) must be absolute", field: f / "destination")
      }
      try Self.refuseNUL(m.destination, f / "destination")
      try Self.refuseNUL(m.source ?? "", f / "source")
      for (j, o) in (m.options ?? []).enumerated() { try Self.refuseNUL(o, f / "options" / j) }
      var flags: UInt = 0
      var prop: [UInt] = []
      var data: [String] = []
      for opt in m.options ?? [] {
        if let (set, flag) = Self.flagOptions[opt] {
          if set { flags |= flag } else { flags &= ~flag }
        } else if let p = Self.propagation[opt] {
          prop.append(p)
        } else {
          data.append(opt)
        }
      }
      var type = m.type ?? ""
      let bind = flags & LinuxConstants.MS_BIND != 0 || type == "bind"
      if type == "bind" { flags |= LinuxConstants.MS_BIND }
      var source = m.source ?? type
      var isDir = true
      if bind {
        source = Self.absolute(source, bundle: bundle)
        var d = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &d) else {
          throw GarrisonError(.notFound, "bind source \(source) does not exist", field: f / "source")
        }
        isDir = d
        type = ""
      } else if type.isEmpty {
        throw GarrisonError(.invalid, "type is required for a non-bind mount", field: f / "type")
      } else if type == "cgroup" {
        // A cgroup v1 tree cannot be mounted again here; the container sees its cgroup2 namespace view.
        type = "cgroup2"
        source = "cgroup2"
      }
      if let mountLabel, type == "tmpfs", !data.contains(where: { $0.hasPrefix("context=") }) {
        data.append("context=\"\(mountLabel)\"")
      }
      out.append(
        .init(
          source: source, destination: m.destination, type: type, flags: flags, propagation: prop,
          data: data.joined(separator: ","), bind: bind, sourceIsDirectory: isDir))
    }
    return out
  }

  func checkSysctl(_ key: String, created: Set<String>) throws {
    let f = FieldPath("linux.sysctl").appending(key: key)
    let ipc = [
      "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
      "kernel.shmmni", "kernel.shm_rmid_forced",
    ]
    if ipc.contains(key) || key.hasPrefix("fs.mqueue.") {
      guard created.contains("ipc") else { throw GarrisonError(.refused, "\(key) needs a new ipc namespace", field: f) }
    } else if key.hasPrefix("net.") {
      guard created.contains("network") else {
        throw GarrisonError(.refused, "\(key) needs a new network namespace", field: f)
      }
    } else if key == "kernel.hostname" || key == "kernel.domainname" {
      guard created.contains("uts") else { throw GarrisonError(.refused, "\(key) needs a new uts namespace", field: f) }
    } else {
      throw GarrisonError(.refused, "\(key) is not a namespaced sysctl; setting it would change the host", field: f)
    }
    if key.unicodeScalars.contains("/") || key.split(separator: ".").contains("..") {
      throw GarrisonError(.invalid, "malformed sysctl name", field: f)
    }
  }

  func buildDevice(_ d: RuntimeSpec.Device, field: FieldPath) throws -> InitSpec.Device {
    let type: UInt32
    switch d.type {
    case "c", "u": type = LinuxConstants.S_IFCHR
    case "b": type = LinuxConstants.S_IFBLK
    case "p": type = LinuxConstants.S_IFIFO
    default: throw GarrisonError(.invalid, "unknown device type \(d.type)", field: field / "type")
    }
    guard d.path.hasPrefix("/dev/") else {
      throw GarrisonError(.invalid, "device path must be under /dev", field: field / "path")
    }
    return .init(
      path: d.path, type: type, major: UInt32(d.major ?? 0), minor: UInt32(d.minor ?? 0),
      mode: d.fileMode ?? 0o666, uid: d.uid ?? 0, gid: d.gid ?? 0)
  }

  static func absolute(_ path: String, bundle: String) -> String {
    let joined = path.hasPrefix("/") ? path : PathName.join(bundle, path)
    return PathName.standardized(joined)
  }
}
