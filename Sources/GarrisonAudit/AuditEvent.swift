import GarrisonCore
/// What an audit event is about: a pod and optionally one of its containers.
public struct AuditObject: Sendable, Hashable {
  public var namespace: String?
  public var pod: String?
  public var podUID: String?
  public var container: String?

  public init(namespace: String? = nil, pod: String? = nil, podUID: String? = nil, container: String? = nil) {
    self.namespace = namespace
    self.pod = pod
    self.podUID = podUID
    self.container = container
  }

  /// `namespace/pod` (or `-` when no pod is named).
  public var podKey: String {
    guard let pod else { return "-" }
    return "\(namespace ?? "default")/\(pod)"
  }

  var json: JSONValue {
    [
      "namespace": .optional(namespace), "pod": .optional(pod), "pod_uid": .optional(podUID),
      "container": .optional(container),
    ]
  }

  /// Appends `json`'s canonical bytes without building it: its keys in byte order are container, namespace, pod,
  /// pod_uid (the record drafts of the audit log's appenders).
  func write(into out: inout [UInt8]) {
    func member(_ key: [UInt8], _ value: String?) {
      out.append(contentsOf: key)
      if let value { JSONValue.writeString(value, into: &out) } else { out.append(contentsOf: Self.null) }
    }
    member(Self.containerMember, container)
    member(Self.namespaceMember, namespace)
    member(Self.podMember, pod)
    member(Self.podUIDMember, podUID)
    out.append(UInt8(ascii: "}"))
  }

  private static let containerMember = Array(#"{"container":"#.utf8)
  private static let namespaceMember = Array(#","namespace":"#.utf8)
  private static let podMember = Array(#","pod":"#.utf8)
  private static let podUIDMember = Array(#","pod_uid":"#.utf8)
  private static let null = Array("null".utf8)

  init(json: JSONValue?) {
    namespace = json?["namespace"]?.stringValue
    pod = json?["pod"]?.stringValue
    podUID = json?["pod_uid"]?.stringValue
    container = json?["container"]?.stringValue
  }
}

/// Who caused the event: the uid, pid and command line of the Garrison process that logged it.
public struct AuditActor: Sendable, Hashable {
  public var uid: UInt32
  public var pid: Int32
  public var commandLine: [String]

  public init(uid: UInt32, pid: Int32, commandLine: [String]) {
    self.uid = uid
    self.pid = pid
    self.commandLine = commandLine
  }

  var json: JSONValue { ["uid": .integer(uid), "pid": .integer(pid), "cmdline": .strings(commandLine)] }

  init(json: JSONValue?) {
    uid = UInt32(clamping: json?["uid"]?.intValue ?? -1)
    pid = Int32(clamping: json?["pid"]?.intValue ?? -1)
    commandLine = json?["cmdline"]?.arrayValue?.compactMap(\.stringValue) ?? []
  }
}

/// One audit event as a caller builds it. The log adds sequence number, time (unless given),
/// host, actor and the chain hash when it appends the event.
public struct AuditEvent: Sendable, Hashable {
  public var kind: AuditKind
  public var outcome: AuditOutcome
  public var object: AuditObject
  /// Kind-specific details (see `Audit/schema/audit-event.schema.json` and `AuditDetails`).
  public var details: JSONValue
  /// When the event happened; nil means "at append time".
  public var time: AuditTime?

  public init(
    kind: AuditKind, outcome: AuditOutcome, object: AuditObject = AuditObject(),
    details: JSONValue = [:], time: AuditTime? = nil
  ) {
    self.kind = kind
    self.outcome = outcome
    self.object = object
    self.details = details
    self.time = time
  }
}
