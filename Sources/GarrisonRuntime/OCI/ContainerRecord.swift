#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GarrisonCore
import GarrisonInit
import GarrisonKernel
import GarrisonOCI
import Glibc

/// What the runtime keeps per container in `<root>/<id>/state.json`.
public struct ContainerRecord: Codable, Sendable {
  public var id: String
  public var bundle: String
  /// Host pid of the container process (pid 1 of its pid namespace).
  public var pid: Int32
  /// Field 22 of /proc/<pid>/stat when created, to detect pid reuse.
  public var startTime: UInt64
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

  public init(id: String, bundle: String, pid: Int32, startTime: UInt64, started: Bool, created: String,
              annotations: [String: String]?, cgroups: CgroupPlacement?, initSpec: InitSpec, clamps: [String],
              initExe: String?) {
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

  enum CodingKeys: String, CodingKey {
    case id, bundle, pid, startTime, started, created, annotations, cgroups, initSpec, clamps, initExe
  }

  // The init spec is kept in its binary wire form (base64), the bytes the init was given: no Codable pass
  // over its nested types on the start path (`InitSpecWire`).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.decode(String.self, forKey: .id)
    bundle = try c.decode(String.self, forKey: .bundle)
    pid = try c.decode(Int32.self, forKey: .pid)
    startTime = try c.decode(UInt64.self, forKey: .startTime)
    started = try c.decode(Bool.self, forKey: .started)
    created = try c.decode(String.self, forKey: .created)
    annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
    cgroups = try c.decodeIfPresent(CgroupPlacement.self, forKey: .cgroups)
    let wire = try c.decode(String.self, forKey: .initSpec)
    guard let bytes = Data(base64Encoded: wire) else {
      throw DecodingError.dataCorruptedError(forKey: .initSpec, in: c, debugDescription: "not base64")
    }
    do { initSpec = try InitSpecWire.decode(Array(bytes)) } catch {
      throw DecodingError.dataCorruptedError(forKey: .initSpec, in: c, debugDescription: error.description)
    }
    clamps = try c.decode([String].self, forKey: .clamps)
    initExe = try c.decodeIfPresent(String.self, forKey: .initExe)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(id, forKey: .id)
    try c.encode(bundle, forKey: .bundle)
    try c.encode(pid, forKey: .pid)
    try c.encode(startTime, forKey: .startTime)
    try c.encode(started, forKey: .started)
    try c.encode(created, forKey: .created)
    try c.encodeIfPresent(annotations, forKey: .annotations)
    try c.encodeIfPresent(cgroups, forKey: .cgroups)
    try c.encode(Data(InitSpecWire.encode(initSpec)).base64EncodedString(), forKey: .initSpec)
    try c.encode(clamps, forKey: .clamps)
    try c.encodeIfPresent(initExe, forKey: .initExe)
  }
}

/// The state directory: one subdirectory per container, created 0700 under `--root`.
public struct ContainerStore: Sendable {
  public var root: String
  public init(root: String) { self.root = root }

  public func directory(_ id: String) -> String { PathName.join(root, id) }
  public func fifo(_ id: String) -> String { PathName.join(directory(id), "exec.fifo") }
  func stateFile(_ id: String) -> String { PathName.join(directory(id), "state.json") }

  /// Validates an id: letters, digits, `_ + - .`, not starting with a dot.
  public static func validate(id: String) throws {
    let ok = !id.isEmpty && id.count <= 1024 && !id.hasPrefix(".")
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
    do {
      try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true,
                                              attributes: [.posixPermissions: 0o700])
    } catch {
      throw GarrisonError(.system, operation: "mkdir \(root)", "cannot create state root: \(error)")
    }
    guard mkdir(directory(id), 0o700) == 0 else {
      if errno == EEXIST { throw GarrisonError(.exists, "container \(id) already exists") }
      throw GarrisonError(.system, operation: "mkdir \(directory(id))", "cannot create state", errno: errno)
    }
  }

  public func save(_ record: ContainerRecord) throws {
    try FileIO.replace(stateFile(record.id), with: Array(try JSONEncoder().encode(record)), mode: 0o600, durable: false)
  }

  public func load(_ id: String) throws -> ContainerRecord {
    try ContainerStore.validate(id: id)
    guard let data = FileManager.default.contents(atPath: stateFile(id)) else {
      throw GarrisonError(.notFound, "container \(id) does not exist")
    }
    do { return try JSONDecoder().decode(ContainerRecord.self, from: data) } catch {
      throw GarrisonError(.system, operation: "decode \(stateFile(id))", "corrupt state: \(error)")
    }
  }

  public func remove(_ id: String) throws {
    do { try FileManager.default.removeItem(atPath: directory(id)) } catch {
      throw GarrisonError(.system, operation: "remove \(directory(id))", "cannot remove state: \(error)")
    }
  }

  /// Ids of all containers with state.
  public func list() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
  }
}

/// Process facts read from /proc.
public enum ProcessProbe {
  /// `device:inode` of the file /proc/<pid>/exe names, or nil if the process is gone.
  public static func executableIdentity(_ pid: Int32) -> String? {
    var st = Glibc.stat()
    guard fstatat(AT_FDCWD, "/proc/\(pid)/exe", &st, 0) == 0 else { return nil }
    return "\(st.st_dev):\(st.st_ino)"
  }

  /// Start time (field 22 of /proc/<pid>/stat) and state letter, or nil if the process is gone.
  public static func stat(_ pid: Int32) -> (startTime: UInt64, state: Character)? {
    guard let text = try? FileIO.readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
    let fields = text[text.index(close, offsetBy: 2)...].split(separator: " ")
    guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
    return (start, state)
  }

  /// Whether `pid` still names the process started at `startTime` and has not exited.
  public static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
    guard let s = stat(pid) else { return false }
    return s.startTime == startTime && s.state != "Z" && s.state != "X"
  }
}
