#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonOCI
import GarrisonPlan

/// Reads `record.json` into a `PodRecord` from a parsed `JSONValue`, without Codable: the supervisor reads it
/// first thing, on the pod's start path, and `JSONDecoder` spent 2-4 ms there (a `RuntimeSpec` per container,
/// and the applied spec as a `JSONValue`, whose Codable decoding tries each JSON type in turn and throws for
/// every miss). The container specs go through `RuntimeSpecReader`, as garrison-oci reads config.json.
///
/// Strict in the same way: anything it is not sure about (a mistyped field, a missing required one) makes it
/// return nil, and the caller decodes with `JSONDecoder`, which agrees or
/// names the error. `PodRecordReaderTests` check both decoders agree.
public enum PodRecordReader {
  public static func read(_ bytes: [UInt8]) -> PodRecord? {
    guard let json = try? JSONParser.parse(bytes) else { return nil }
    return try? record(Obj(json))
  }

  typealias Unsure = JSONFields.Unsure
  typealias Obj = JSONFields

  static func required<T>(_ v: T?) throws(Unsure) -> T { try JSONFields.required(v) }

  static func record(_ o: Obj) throws(Unsure) -> PodRecord {
    let network = try required(o.object("network"))
    let namespaces = try required(o.object("namespaces"))
    let runtime = try required(o.object("runtime"))
    let backoff = try required(o.object("backoff"))
    let requests = try required(o.object("requests"))
    guard let created = Timestamps.parse(try required(o.str("createdAt"))),
      let mode = PodNetworkMode(rawValue: try required(network.str("mode")))
    else { throw Unsure() }
    var containers: [ContainerRecord] = []
    for c in try required(o.objects("containers")) { containers.append(try container(c)) }
    var volumes: [VolumeRecord] = []
    for v in try required(o.objects("volumes")) { volumes.append(try volume(v)) }
    var owners: [OwnerReference]?
    if let list = try o.objects("ownerReferences") {
      owners = []
      for r in list {
        owners?.append(
          OwnerReference(
            apiVersion: try required(r.str("apiVersion")), kind: try required(r.str("kind")),
            name: try required(r.str("name")), uid: try required(r.str("uid")),
            controller: try required(r.bool("controller"))))
      }
    }
    var record = PodRecord(
      namespace: try required(o.str("namespace")), name: try required(o.str("name")), uid: try required(o.str("uid")),
      createdAt: created, restartPolicy: try required(o.str("restartPolicy")), containers: containers,
      volumes: volumes,
      network: NetworkConfig(
        mode: mode, bridge: try required(network.str("bridge")), cidr: try required(network.str("cidr"))),
      namespaces: SandboxNamespaces(
        hostNetwork: try required(namespaces.bool("hostNetwork")), hostIPC: try required(namespaces.bool("hostIPC")),
        hostPID: try required(namespaces.bool("hostPID")), sharePID: try required(namespaces.bool("sharePID"))),
      runtime: RuntimeConfig(path: try required(runtime.str("path")), root: try required(runtime.str("root"))),
      backoff: BackoffPolicy(
        base: try required(backoff.double("base")), max: try required(backoff.double("max")),
        resetAfter: try required(backoff.double("resetAfter"))),
      terminationGracePeriodSeconds: try required(o.int64("terminationGracePeriodSeconds")),
      requests: PodRequests(
        cpuMillis: try required(requests.int64("cpuMillis")), memoryBytes: try required(requests.int64("memoryBytes"))),
      fsGroup: try o.uint32("fsGroup"), hostname: try required(o.str("hostname")), labels: try o.stringMap("labels"),
      ownerReferences: owners)
    record.annotations = try o.stringMap("annotations")
    record.specJSON = o.value("specJSON")
    record.qosClass = try o.str("qosClass")
    record.nodeName = try o.str("nodeName")
    return record
  }

  static func container(_ o: Obj) throws(Unsure) -> ContainerRecord {
    guard let role = ContainerRole(rawValue: try required(o.str("role"))),
      let spec = RuntimeSpecReader.read(try required(o.value("spec")))
    else { throw Unsure() }
    var mounts: [MountRecord] = []
    for m in try required(o.objects("volumeMounts")) {
      mounts.append(
        MountRecord(
          volume: try required(m.str("volume")), mountPath: try required(m.str("mountPath")), subPath: try m.str("subPath"),
          readOnly: try required(m.bool("readOnly")), field: try required(m.str("field"))))
    }
    var resources: ContainerResources?
    if let r = try o.object("resources") {
      resources = ContainerResources(
        cpuRequestMillis: try r.int64("cpuRequestMillis"), memoryRequestBytes: try r.int64("memoryRequestBytes"),
        cpuLimitMillis: try r.int64("cpuLimitMillis"), memoryLimitBytes: try r.int64("memoryLimitBytes"))
    }
    var c = ContainerRecord(
      name: try required(o.str("name")), role: role, image: try required(o.str("image")), spec: spec,
      rootfs: RootfsSource(lowerdirs: try required(try required(o.object("rootfs")).strings("lowerdirs"))),
      volumeMounts: mounts, planDigest: try required(o.str("planDigest")),
      appArmorExplicit: try required(o.bool("appArmorExplicit")), seLinuxExplicit: try required(o.bool("seLinuxExplicit")),
      seccompProfile: try o.str("seccompProfile"), privileged: try required(o.bool("privileged")), resources: resources)
    c.imageID = try o.str("imageID")
    if let p = try o.object("probes") {
      c.probes = ContainerProbes(
        liveness: try p.object("liveness").map(probe), readiness: try p.object("readiness").map(probe),
        startup: try p.object("startup").map(probe))
    }
    return c
  }

  /// A `ProbeRecord` as its synthesized Codable writes it (the action an object with one key: the case).
  static func probe(_ o: Obj) throws(Unsure) -> ProbeRecord {
    var action: ProbeRecord.Action?
    if let a = try o.object("action") {
      guard a.fields.count == 1 else { throw Unsure() }
      if let e = try a.object("exec") {
        action = .exec(command: try required(e.strings("command")))
      } else if let h = try a.object("httpGet") {
        var headers: [ProbeRecord.Header] = []
        for x in try required(h.objects("headers")) {
          headers.append(ProbeRecord.Header(name: try required(x.str("name")), value: try required(x.str("value"))))
        }
        action = .httpGet(host: try h.str("host"), port: try port(h), path: try required(h.str("path")), headers: headers)
      } else if let t = try a.object("tcpSocket") {
        action = .tcpSocket(host: try t.str("host"), port: try port(t))
      } else {
        throw Unsure()
      }
    }
    return ProbeRecord(
      action: action, unresolved: try o.str("unresolved"), initialDelaySeconds: try required(o.double("initialDelaySeconds")),
      timeoutSeconds: try required(o.double("timeoutSeconds")), periodSeconds: try required(o.double("periodSeconds")),
      successThreshold: try required(o.int("successThreshold")), failureThreshold: try required(o.int("failureThreshold")),
      terminationGracePeriodSeconds: try o.double("terminationGracePeriodSeconds"))
  }

  static func port(_ o: Obj) throws(Unsure) -> UInt16 {
    guard let p = UInt16(exactly: try required(o.int64("port"))) else { throw Unsure() }
    return p
  }

  static func volume(_ o: Obj) throws(Unsure) -> VolumeRecord {
    guard let kind = VolumeRecord.Kind(rawValue: try required(o.str("kind"))) else { throw Unsure() }
    var v = VolumeRecord(name: try required(o.str("name")), kind: kind, field: try required(o.str("field")))
    v.hostPath = try o.str("hostPath")
    v.hostPathType = try o.str("hostPathType")
    v.memory = try required(o.bool("memory"))
    v.sizeLimitBytes = try o.int64("sizeLimitBytes")
    for f in try required(o.objects("files")) {
      // Data as JSONEncoder writes it: base64.
      guard let content = Data(base64Encoded: try required(f.str("content"))) else { throw Unsure() }
      v.files.append(ProjectedFile(path: try required(f.str("path")), content: content, mode: try required(f.uint32("mode"))))
    }
    return v
  }
}
