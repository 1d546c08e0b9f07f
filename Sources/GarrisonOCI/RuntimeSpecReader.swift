import GarrisonCore

/// Reads config.json into a `RuntimeSpec` from a parsed `JSONValue`, without Codable: the runtime reads one on
/// every container start, and Codable's generic machinery (metadata and conformance lookups per type) cost it
/// more than a millisecond.
///
/// It is strict on purpose and only ever returns what `JSONDecoder` would: any value it is not sure about (a
/// mistyped or out-of-range field, a number that is not a plain integer, a missing required field) makes it
/// return nil, and the caller decodes with `JSONDecoder`, which either agrees or produces the error that names
/// the field. `RuntimeSpecReaderTests` check both decoders agree.
public enum RuntimeSpecReader {
  public static func read(_ bytes: [UInt8]) -> RuntimeSpec? {
    guard let json = try? JSONParser.parse(bytes) else { return nil }
    return read(json)
  }

  /// `read` of an already parsed document.
  public static func read(_ json: JSONValue) -> RuntimeSpec? {
    try? spec(Obj(json))
  }

  typealias Unsure = JSONFields.Unsure
  typealias Obj = JSONFields

  static func required<T>(_ v: T?) throws(Unsure) -> T { try JSONFields.required(v) }

  static func spec(_ o: Obj) throws(Unsure) -> RuntimeSpec {
    var s = RuntimeSpec(ociVersion: try required(o.str("ociVersion")))
    if let p = try o.object("process") { s.process = try process(p) }
    if let r = try o.object("root") {
      s.root = RuntimeSpec.Root(path: try required(r.str("path")), readonly: try r.bool("readonly"))
    }
    s.hostname = try o.str("hostname")
    s.domainname = try o.str("domainname")
    if let mounts = try o.objects("mounts") {
      var list: [RuntimeSpec.Mount] = []
      for m in mounts {
        list.append(
          RuntimeSpec.Mount(
            destination: try required(m.str("destination")), type: try m.str("type"),
            source: try m.str("source"), options: try m.strings("options")))
      }
      s.mounts = list
    }
    if let h = try o.object("hooks") { s.hooks = try hooks(h) }
    s.annotations = try o.stringMap("annotations")
    if let l = try o.object("linux") { s.linux = try linux(l) }
    return s
  }

  static func hooks(_ o: Obj) throws(Unsure) -> RuntimeSpec.Hooks {
    func list(_ k: String) throws(Unsure) -> [RuntimeSpec.Hook]? {
      guard let items = try o.objects(k) else { return nil }
      var out: [RuntimeSpec.Hook] = []
      for h in items {
        out.append(
          RuntimeSpec.Hook(
            path: try required(h.str("path")), args: try h.strings("args"),
            env: try h.strings("env"), timeout: try h.int("timeout")))
      }
      return out
    }
    return RuntimeSpec.Hooks(
      prestart: try list("prestart"), createRuntime: try list("createRuntime"),
      createContainer: try list("createContainer"), startContainer: try list("startContainer"),
      poststart: try list("poststart"), poststop: try list("poststop"))
  }

  static func process(_ o: Obj) throws(Unsure) -> RuntimeSpec.Process {
    let u = try required(o.object("user"))
    let user = RuntimeSpec.User(
      uid: try required(u.uint32("uid")), gid: try required(u.uint32("gid")),
      umask: try u.uint32("umask"), additionalGids: try u.uint32s("additionalGids"))
    var capabilities: RuntimeSpec.Capabilities?
    if let c = try o.object("capabilities") {
      capabilities = RuntimeSpec.Capabilities(
        bounding: try c.strings("bounding"), effective: try c.strings("effective"),
        inheritable: try c.strings("inheritable"), permitted: try c.strings("permitted"), ambient: try c.strings("ambient"))
    }
    var rlimits: [RuntimeSpec.Rlimit]?
    if let items = try o.objects("rlimits") {
      var out: [RuntimeSpec.Rlimit] = []
      for r in items {
        out.append(
          RuntimeSpec.Rlimit(
            type: try required(r.str("type")), soft: try required(r.uint64("soft")),
            hard: try required(r.uint64("hard"))))
      }
      rlimits = out
    }
    var p = RuntimeSpec.Process(
      terminal: try o.bool("terminal"), user: user, args: try o.strings("args"), env: try o.strings("env"),
      cwd: try required(o.str("cwd")), capabilities: capabilities, rlimits: rlimits,
      noNewPrivileges: try o.bool("noNewPrivileges"), apparmorProfile: try o.str("apparmorProfile"),
      oomScoreAdj: try o.int("oomScoreAdj"), selinuxLabel: try o.str("selinuxLabel"))
    if let c = try o.object("consoleSize") {
      p.consoleSize = RuntimeSpec.ConsoleSize(
        height: try required(c.int("height")),
        width: try required(c.int("width")))
    }
    return p
  }

  static func linux(_ o: Obj) throws(Unsure) -> RuntimeSpec.Linux {
    if o.value("timeOffsets") != nil || o.value("personality") != nil { throw Unsure() }  // rare: JSONDecoder reads them
    var namespaces: [RuntimeSpec.Namespace]?
    if let items = try o.objects("namespaces") {
      var out: [RuntimeSpec.Namespace] = []
      for n in items { out.append(RuntimeSpec.Namespace(type: try required(n.str("type")), path: try n.str("path"))) }
      namespaces = out
    }
    var devices: [RuntimeSpec.Device]?
    if let items = try o.objects("devices") {
      var out: [RuntimeSpec.Device] = []
      for d in items {
        out.append(
          RuntimeSpec.Device(
            type: try required(d.str("type")), path: try required(d.str("path")),
            major: try d.int64("major"), minor: try d.int64("minor"),
            fileMode: try d.uint32("fileMode"), uid: try d.uint32("uid"), gid: try d.uint32("gid")))
      }
      devices = out
    }
    var seccomp: RuntimeSpec.Seccomp?
    if let sc = try o.object("seccomp") { seccomp = try self.seccomp(sc) }
    var l = RuntimeSpec.Linux(
      namespaces: namespaces, devices: devices, cgroupsPath: try o.str("cgroupsPath"),
      resources: try o.object("resources").map { r throws(Unsure) in try resources(r) }, seccomp: seccomp,
      sysctl: try o.stringMap("sysctl"), maskedPaths: try o.strings("maskedPaths"),
      readonlyPaths: try o.strings("readonlyPaths"), mountLabel: try o.str("mountLabel"))
    l.uidMappings = try mappings(o, "uidMappings")
    l.gidMappings = try mappings(o, "gidMappings")
    l.rootfsPropagation = try o.str("rootfsPropagation")
    return l
  }

  static func mappings(_ o: Obj, _ k: String) throws(Unsure) -> [RuntimeSpec.IDMapping]? {
    guard let items = try o.objects(k) else { return nil }
    var out: [RuntimeSpec.IDMapping] = []
    for m in items {
      out.append(
        RuntimeSpec.IDMapping(
          containerID: try required(m.uint32("containerID")),
          hostID: try required(m.uint32("hostID")), size: try required(m.uint32("size"))))
    }
    return out
  }

  static func resources(_ o: Obj) throws(Unsure) -> RuntimeSpec.Resources {
    var devices: [RuntimeSpec.DeviceCgroup]?
    if let items = try o.objects("devices") {
      var out: [RuntimeSpec.DeviceCgroup] = []
      for d in items {
        out.append(
          RuntimeSpec.DeviceCgroup(
            allow: try required(d.bool("allow")), type: try d.str("type"),
            major: try d.int64("major"), minor: try d.int64("minor"),
            access: try d.str("access")))
      }
      devices = out
    }
    var memory: RuntimeSpec.Memory?
    if let m = try o.object("memory") {
      var v = RuntimeSpec.Memory(
        limit: try m.int64("limit"), reservation: try m.int64("reservation"),
        swap: try m.int64("swap"))
      v.kernel = try m.int64("kernel")
      v.kernelTCP = try m.int64("kernelTCP")
      v.swappiness = try m.uint64("swappiness")
      v.disableOOMKiller = try m.bool("disableOOMKiller")
      v.useHierarchy = try m.bool("useHierarchy")
      v.checkBeforeUpdate = try m.bool("checkBeforeUpdate")
      memory = v
    }
    var cpu: RuntimeSpec.CPU?
    if let c = try o.object("cpu") {
      var v = RuntimeSpec.CPU(shares: try c.uint64("shares"), quota: try c.int64("quota"), period: try c.uint64("period"))
      v.cpus = try c.str("cpus")
      v.mems = try c.str("mems")
      v.realtimeRuntime = try c.int64("realtimeRuntime")
      v.realtimePeriod = try c.uint64("realtimePeriod")
      v.idle = try c.int64("idle")
      v.burst = try c.uint64("burst")
      cpu = v
    }
    var pids: RuntimeSpec.Pids?
    if let p = try o.object("pids") { pids = RuntimeSpec.Pids(limit: try required(p.int64("limit"))) }
    var r = RuntimeSpec.Resources(devices: devices, memory: memory, cpu: cpu, pids: pids)
    r.unified = try o.stringMap("unified")
    r.blockIO = o.any("blockIO")
    r.hugepageLimits = o.any("hugepageLimits")
    r.network = o.any("network")
    r.rdma = o.any("rdma")
    return r
  }

  static func seccomp(_ o: Obj) throws(Unsure) -> RuntimeSpec.Seccomp {
    var syscalls: [RuntimeSpec.Syscall]?
    if let items = try o.objects("syscalls") {
      var out: [RuntimeSpec.Syscall] = []
      for sc in items {
        var args: [RuntimeSpec.SyscallArg]?
        if let list = try sc.objects("args") {
          var a: [RuntimeSpec.SyscallArg] = []
          for arg in list {
            a.append(
              RuntimeSpec.SyscallArg(
                index: try required(arg.uint32("index")), value: try required(arg.uint64("value")),
                valueTwo: try arg.uint64("valueTwo"), op: try required(arg.str("op"))))
          }
          args = a
        }
        out.append(
          RuntimeSpec.Syscall(
            names: try required(sc.strings("names")), action: try required(sc.str("action")),
            errnoRet: try sc.uint32("errnoRet"), args: args))
      }
      syscalls = out
    }
    var s = RuntimeSpec.Seccomp(
      defaultAction: try required(o.str("defaultAction")),
      defaultErrnoRet: try o.uint32("defaultErrnoRet"),
      architectures: try o.strings("architectures"), flags: try o.strings("flags"),
      syscalls: syscalls)
    s.listenerPath = try o.str("listenerPath")
    return s
  }
}
