import GarrisonCore
import GarrisonKernel
import GarrisonOCI
import GarrisonPlan
import GarrisonSupervisor

extension PodExec {
  /// What an exec reads of a pod's `record.json`: its identity, runtime and, per container, name, role, plan
  /// digest and user (`spec.process.user`). Read with `JSONParser` and nothing else of the record (the containers'
  /// OCI specs, the pod spec): JSONDecoder's parse of the whole record and its protocol-conformance lookups were
  /// most of `garrison exec`'s own work before the runtime's (bench/exec RESULTS.md).
  public struct Record: Sendable {
    public var namespace: String
    public var name: String
    public var uid: String
    public var runtime: RuntimeConfig
    public var containers: [Container]

    /// One container of the record.
    public struct Container: Sendable {
      public var name: String
      public var role: ContainerRole
      public var planDigest: String
      /// The container process's user (`spec.process.user`).
      public var user: RuntimeSpec.User?
    }

    init(json: JSONValue) throws(GarrisonError) {
      let r = FieldReader(value: json, file: "record.json")
      namespace = try r.string("namespace")
      name = try r.string("name")
      uid = try r.string("uid")
      let runtime = try r.object("runtime")
      self.runtime = RuntimeConfig(path: try runtime.string("path"), root: try runtime.string("root"))
      containers = try r.objects("containers").map { (c) throws(GarrisonError) -> Container in
        guard let role = ContainerRole(rawValue: try c.string("role")) else { throw c.bad("role") }
        var user: RuntimeSpec.User?
        if let process = try c.optionalObject("spec")?.optionalObject("process") {
          let u = try process.object("user")
          user = RuntimeSpec.User(
            uid: try u.uint32("uid"), gid: try u.uint32("gid"), umask: try u.optionalUInt32("umask"),
            additionalGids: try u.optionalUInt32s("additionalGids"))
        }
        return Container(name: try c.string("name"), role: role, planDigest: try c.string("planDigest"), user: user)
      }
    }
  }

  /// What an exec reads of a pod's `status.json`: per container its name, state and runtime id; the supervisor.
  public struct Status: Sendable {
    /// One container's status, as far as an exec needs it.
    public struct Container: Sendable {
      public var name: String
      public var state: ContainerStateInfo.Kind
      public var runtimeID: String
    }
    public var containers: [Container]
    public var supervisor: ProcessRef?

    init(json: JSONValue) throws(GarrisonError) {
      let r = FieldReader(value: json, file: "status.json")
      containers = try r.objects("containers").map { (c) throws(GarrisonError) -> Container in
        guard let kind = ContainerStateInfo.Kind(rawValue: try c.object("state").string("kind")) else { throw c.bad("state.kind") }
        return Container(name: try c.string("name"), state: kind, runtimeID: try c.string("runtimeID"))
      }
      if let s = try r.optionalObject("supervisor") {
        guard let pid = Int32(exactly: try s.int("pid")), let start = UInt64(exactly: try s.int("startTime")) else {
          throw s.bad("supervisor")
        }
        supervisor = ProcessRef(pid: pid, startTime: start)
      }
    }
  }

  /// Reads `path` (JSON) as `T`; nil when it does not exist. A file that cannot be read or parsed is a system error.
  static func read<T>(_ path: String, _ make: (JSONValue) throws(GarrisonError) -> T) throws(GarrisonError) -> T? {
    let bytes: [UInt8]
    do { bytes = try FileIO.read(path) } catch {
      if error == .ENOENT { return nil }
      throw GarrisonError(.system, operation: "read \(path)", "cannot read \(path)", errno: error.rawValue)
    }
    do { return try make(try JSONParser.parse(bytes)) } catch {
      throw GarrisonError(.system, operation: "decode \(path)", "corrupt pod state: \(error.message)")
    }
  }
}

/// Typed access to the fields of one JSON object of a pod's state files; a missing or mistyped field names itself.
private struct FieldReader {
  let value: JSONValue
  let file: String
  var path = ""

  func bad(_ key: String) -> GarrisonError { GarrisonError(.invalid, "\(file): \(path)\(key): missing or not of the expected type") }

  private func field(_ key: String) -> JSONValue? {
    guard let v = value[key], v != .null else { return nil }
    return v
  }

  func string(_ key: String) throws(GarrisonError) -> String {
    guard let s = field(key)?.stringValue else { throw bad(key) }
    return s
  }

  func int(_ key: String) throws(GarrisonError) -> Int64 {
    guard let i = field(key)?.intValue else { throw bad(key) }
    return i
  }

  func uint32(_ key: String) throws(GarrisonError) -> UInt32 {
    guard let i = UInt32(exactly: try int(key)) else { throw bad(key) }
    return i
  }

  func optionalUInt32(_ key: String) throws(GarrisonError) -> UInt32? {
    guard field(key) != nil else { return nil }
    return try uint32(key)
  }

  func optionalUInt32s(_ key: String) throws(GarrisonError) -> [UInt32]? {
    guard let v = field(key) else { return nil }
    guard let list = v.arrayValue else { throw bad(key) }
    return try list.map { (e) throws(GarrisonError) -> UInt32 in
      guard let i = e.intValue, let u = UInt32(exactly: i) else { throw bad(key) }
      return u
    }
  }

  func object(_ key: String) throws(GarrisonError) -> FieldReader {
    guard let o = try optionalObject(key) else { throw bad(key) }
    return o
  }

  func optionalObject(_ key: String) throws(GarrisonError) -> FieldReader? {
    guard let v = field(key) else { return nil }
    guard v.objectValue != nil else { throw bad(key) }
    return FieldReader(value: v, file: file, path: path + key + ".")
  }

  func objects(_ key: String) throws(GarrisonError) -> [FieldReader] {
    guard let list = field(key)?.arrayValue else { throw bad(key) }
    return try list.enumerated().map { (i, v) throws(GarrisonError) -> FieldReader in
      guard v.objectValue != nil else { throw bad("\(key)[\(i)]") }
      return FieldReader(value: v, file: file, path: path + "\(key)[\(i)].")
    }
  }
}
