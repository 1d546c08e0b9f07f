#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import GarrisonOCI
import Glibc

/// What the runtime keeps per container in `<root>/<id>/state.json`.
public struct RuntimeContainerRecord: Sendable {
  public var id: String
  public var bundle: String
  /// Host pid of the container process (pid 1 of its pid namespace).
  public var pid: Int32
  /// Field 22 of /proc/<pid>/stat when created, to detect pid reuse.
  public var startTime: UInt64
  /// Set in memory by `start`; on disk a started container is the one whose start FIFO is gone
  /// (`ContainerStore.isStarted`), so `start` does not rewrite state.json.
  public var started: Bool
  public var created: String
  public var annotations: [String: String]?
  public var cgroups: CgroupPlacement?
  /// The resolved spec the init ran, reused by `exec` and by attestation.
  public var initSpec: InitSpec
  /// rlimit clamps reported by the init (audit material).
  public var clamps: [String]
  /// `device:inode` of the waiting init's executable, so `start` can tell when the process has exec'd.
  public var initExe: String?
  /// The container's OCI hooks as validated at create (poststart and poststop run later from here, never from a
  /// config.json edited since); nil without any.
  public var hooks: OCIHooks?
  /// `linux.resources.devices` as created (`OCIResourceLimits.deviceRulesText`): containerd re-sends them with
  /// every update, and `update` accepts them only unchanged. nil in records written before it was kept.
  public var deviceRules: String?
  /// For a container without a mount namespace of its own: the id of the rootfs bind garrison-init made in the
  /// runtime's mount namespace (`SharedNamespaceRoot`), which `delete` detaches. nil otherwise.
  public var sharedNamespaceRoot: Int?

  public init(
    id: String, bundle: String, pid: Int32, startTime: UInt64, started: Bool, created: String,
    annotations: [String: String]?, cgroups: CgroupPlacement?, initSpec: InitSpec, clamps: [String],
    initExe: String?
  ) {
    self.id = id
    self.bundle = bundle
    self.pid = pid
    self.startTime = startTime
    self.started = started
    self.created = created
    self.annotations = annotations
    self.cgroups = cgroups
    self.initSpec = initSpec
    self.clamps = clamps
    self.initExe = initExe
  }

  /// state.json's content: a flat JSON object; the init spec is the base64 of the binary form the init was
  /// given (`InitSpecWire`). Written and read without Codable (its generic machinery cost a millisecond per
  /// container start).
  var json: JSONValue {
    var o: [String: JSONValue] = [
      "id": .string(id), "bundle": .string(bundle), "pid": .integer(pid), "startTime": .int(Int64(bitPattern: startTime)),
      "started": .bool(started), "created": .string(created), "clamps": .strings(clamps),
      "initSpec": .string(Data(InitSpecWire.encode(initSpec)).base64EncodedString()),
    ]
    if let annotations { o["annotations"] = .object(annotations.mapValues { .string($0) }) }
    if let cgroups { o["cgroups"] = cgroups.json }
    if let initExe { o["initExe"] = .string(initExe) }
    if let hooks { o["hooks"] = hooks.json }
    if let deviceRules { o["deviceRules"] = .string(deviceRules) }
    if let sharedNamespaceRoot { o["sharedNamespaceRoot"] = .integer(sharedNamespaceRoot) }
    return .object(o)
  }

  init(json: JSONValue) throws(GarrisonError) {
    let r = StateReader(json)
    id = try r.string("id")
    bundle = try r.string("bundle")
    guard let pid = Int32(exactly: try r.int("pid")) else { throw r.bad("pid") }
    self.pid = pid
    startTime = UInt64(bitPattern: try r.int("startTime"))
    started = try r.bool("started")
    created = try r.string("created")
    clamps = try r.strings("clamps")
    initExe = try r.optionalString("initExe")
    deviceRules = try r.optionalString("deviceRules")
    if let m = json["sharedNamespaceRoot"], m != .null {
      guard let id = m.intValue.flatMap({ Int(exactly: $0) }) else { throw r.bad("sharedNamespaceRoot") }
      sharedNamespaceRoot = id
    }
    if let a = json["annotations"], a != .null {
      guard let object = a.objectValue else { throw r.bad("annotations") }
      var annotations: [String: String] = [:]
      for (k, v) in object {
        guard let text = v.stringValue else { throw r.bad("annotations.\(k)") }
        annotations[k] = text
      }
      self.annotations = annotations
    }
    if let c = json["cgroups"], c != .null { cgroups = try CgroupPlacement(json: c) }
    if let h = json["hooks"], h != .null { hooks = try OCIHooks(json: h) }
    guard let bytes = Data(base64Encoded: try r.string("initSpec")) else { throw r.bad("initSpec") }
    do { initSpec = try InitSpecWire.decode(Array(bytes)) } catch { throw r.bad("initSpec (\(error))") }
  }
}

extension CgroupPlacement {
  var json: JSONValue {
    var o: [String: JSONValue] = ["directories": .strings(directories)]
    if let path { o["path"] = .string(path) }
    if let createdParents { o["createdParents"] = .strings(createdParents) }
    if let deviceEnforcement { o["deviceEnforcement"] = .string(deviceEnforcement) }
    return .object(o)
  }

  init(json: JSONValue) throws(GarrisonError) {
    let r = StateReader(json)
    self.init(
      directories: try r.strings("directories"), path: try r.optionalString("path"),
      createdParents: json["createdParents"] == nil ? nil : try r.strings("createdParents"),
      deviceEnforcement: try r.optionalString("deviceEnforcement"))
  }
}

/// Typed field access on a state.json object; a missing or mistyped field names itself.
private struct StateReader {
  let value: JSONValue
  init(_ value: JSONValue) { self.value = value }

  func bad(_ field: String) -> GarrisonError { GarrisonError(.system, "corrupt state: field \(field) missing or mistyped") }
  func string(_ k: String) throws(GarrisonError) -> String {
    guard let s = value[k]?.stringValue else { throw bad(k) }
    return s
  }
  func optionalString(_ k: String) throws(GarrisonError) -> String? {
    guard let v = value[k], v != .null else { return nil }
    guard let s = v.stringValue else { throw bad(k) }
    return s
  }
  func int(_ k: String) throws(GarrisonError) -> Int64 {
    guard let i = value[k]?.intValue else { throw bad(k) }
    return i
  }
  func bool(_ k: String) throws(GarrisonError) -> Bool {
    guard let b = value[k]?.boolValue else { throw bad(k) }
    return b
  }
  func strings(_ k: String) throws(GarrisonError) -> [String] {
    guard let list = value[k]?.stringArrayValue else { throw bad(k) }
    return list
  }
}

/// The state directory: one subdirectory per container, created 0700 under `--root`.
public struct ContainerStore: Sendable {
  public var root: String
  public init(root: String) { self.root = root }

  public func directory(_ id: String) -> String { PathName.join(root, id) }
  public func fifo(_ id: String) -> String { PathName.join(directory(id), "exec.fifo") }

  /// Whether `record`'s container was started: `start` removes the start FIFO once it has written to it (as
  /// runc does), so its absence says so without a second write of state.json.
  public func isStarted(_ record: RuntimeContainerRecord) -> Bool {
    record.started || access(fifo(record.id), F_OK) != 0
  }
  func stateFile(_ id: String) -> String { PathName.join(directory(id), "state.json") }

  /// Validates an id: letters, digits, `_ + - .`, not starting with a dot.
  public static func validate(id: String) throws {
    let ok =
      !id.isEmpty && id.count <= 1024 && !id.hasPrefix(".")
      && id.unicodeScalars.allSatisfy { isAlphanumeric($0) || "_+-.".unicodeScalars.contains($0) }
    guard ok else { throw GarrisonError(.usage, "invalid container id \(id)") }
  }

  /// Foundation's `CharacterSet.alphanumerics`: Unicode general categories L*, M* and N*.
  static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
      .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
      return true
    default:
      return false
    }
  }

  /// Creates the container directory; fails if it exists.
  public func reserve(_ id: String) throws {
    try ContainerStore.validate(id: id)
    // Created 0700 if missing; an existing one must be ours and not group/world-writable (a state root another
    // user planted would let them swap state, FIFOs or the sealed init's neighbours under a root runtime).
    try StateDirectory.ensure(root, mode: 0o700, createParents: true, tighten: false)
    guard mkdir(directory(id), 0o700) == 0 else {
      if errno == EEXIST { throw GarrisonError(.exists, "container \(id) already exists") }
      throw GarrisonError(.system, operation: "mkdir \(directory(id))", "cannot create state", errno: errno)
    }
  }

  public func save(_ record: RuntimeContainerRecord) throws {
    try FileIO.replace(stateFile(record.id), with: record.json.canonicalBytes, mode: 0o600, durable: false)
  }

  public func load(_ id: String) throws -> RuntimeContainerRecord {
    try ContainerStore.validate(id: id)
    let bytes: [UInt8]
    do { bytes = try FileIO.read(stateFile(id)) } catch {
      if error.rawValue == ENOENT { throw GarrisonError(.notFound, "container \(id) does not exist") }
      throw GarrisonError(.system, operation: "read \(stateFile(id))", "cannot read state", errno: error.rawValue)
    }
    do { return try RuntimeContainerRecord(json: try JSONParser.parse(bytes)) } catch {
      throw GarrisonError(.system, operation: "decode \(stateFile(id))", "corrupt state: \(error.message)")
    }
  }

  /// Removes the container's directory: the runtime only ever puts files in it, each unlinked by name
  /// (`unlinkat`, no symlink followed), then the directory; anything else falls back to a recursive removal.
  public func remove(_ id: String) throws {
    let dir = directory(id)
    if let d = opendir(dir) {
      let fd = dirfd(d)
      var left = false
      while let entry = readdir(d) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name == "." || name == ".." { continue }
        if unlinkat(fd, name, 0) != 0 { left = true }
      }
      closedir(d)
      if !left && rmdir(dir) == 0 { return }
    }
    do { try FileManager.default.removeItem(atPath: dir) } catch {
      throw GarrisonError(.system, operation: "remove \(dir)", "cannot remove state: \(error)")
    }
  }

  /// Ids of all containers with state.
  public func list() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
  }
}
