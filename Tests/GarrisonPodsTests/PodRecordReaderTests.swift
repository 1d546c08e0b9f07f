import Foundation
import GarrisonCompiler
import GarrisonManifest
import GarrisonOCI
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing

/// The supervisor reads `record.json` with `PodRecordReader` (no Codable) and falls back to `JSONDecoder`
/// for what the reader is not sure about: both must give the same record.
struct PodRecordReaderTests {
  /// A record as `apply` builds it (compiled specs, the applied spec), with the parts a plain pod lacks added.
  func builtRecord(probes: Bool) throws -> PodRecord {
    let base = "/var/tmp/garrison-test-\(UInt32.random(in: 0..<UInt32.max))"
    defer { try? FileManager.default.removeItem(atPath: base) }
    for d in ["root", "rootfs"] { try FileManager.default.createDirectory(atPath: base + "/" + d, withIntermediateDirectories: true) }
    let options = ApplyOptions(
      runtimePath: "/usr/bin/crun", images: DirectoryImageResolver(directory: base + "/rootfs"), host: .none,
      compiler: CompilerOptions(compileBPF: false), supervisorExecutable: "/bin/false")
    let probe = probes ? "\n    readinessProbe: {exec: {command: [cat, /tmp/ok]}, periodSeconds: 2}" : ""
    let yaml = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p, labels: {app: web}, annotations: {note: "x \\"y\\" é"}}
      spec:
        securityContext: {fsGroup: 2000}
        initContainers:
        - {name: init, image: busybox, command: [sh, -c, "echo ready > /data/x"], volumeMounts: [{name: d, mountPath: /data}]}
        containers:
        - name: a
          image: busybox
          command: [sleep, "100000"]
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
          volumeMounts: [{name: d, mountPath: /data, subPath: sub, readOnly: true}]\(probe)
        - {name: b, image: busybox, command: [sleep, "100000"], volumeMounts: [{name: m, mountPath: /m}]}
        volumes: [{name: d, emptyDir: {}}, {name: m, emptyDir: {medium: Memory, sizeLimit: 1Mi}}]
      """
    let obj = try #require(ManifestLoader.parse(text: yaml, file: "p.yaml").objects.first)
    var record = try PodBuilder(root: base + "/root", options: options).build(obj)
    var files = VolumeRecord(name: "cfg", kind: .configMap, field: "spec.volumes[2]")
    files.files = [ProjectedFile(path: "a/b.txt", content: Data([0, 1, 2, 255]), mode: 0o644)]
    record.volumes.append(files)
    record.ownerReferences = [OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u-1")]
    return record
  }

  /// Writes `record` as the supervisor finds it and reads it back both ways.
  func readBoth(_ record: PodRecord) throws -> (reader: PodRecord?, decoder: PodRecord?, supervisor: PodRecord?) {
    let file = "/var/tmp/garrison-test-record-\(UInt32.random(in: 0..<UInt32.max)).json"
    defer { unlink(file) }
    try JSONFile.write(record, to: file, durable: false)
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
    return (
      PodRecordReader.read(bytes), try JSONFile.read(PodRecord.self, from: file), try SupervisorMain.readRecord(file)
    )
  }

  @Test func theReaderAndJSONDecoderReadTheSameRecord() throws {
    let (reader, decoder, supervisor) = try readBoth(try builtRecord(probes: false))
    let decoded = try #require(decoder)
    let read = try #require(reader, "the reader gave up on a record without probes")
    #expect(read == decoded)
    #expect(supervisor == decoded)
    #expect(read.containers.count == 3 && read.specJSON != nil && read.volumes.last?.files.first?.content == Data([0, 1, 2, 255]))
  }

  /// Probes too (the supervisor of a pod with probes reads its record at every resume from garrison-keeper, once
  /// per probe period): every kind of action, the optional fields present and absent.
  @Test func aRecordWithProbesIsReadTheSame() throws {
    var record = try builtRecord(probes: true)
    record.containers[2].probes = ContainerProbes(
      liveness: ProbeRecord(
        action: .httpGet(host: nil, port: 8080, path: "/healthz", headers: [.init(name: "X-A", value: "b")]),
        initialDelaySeconds: 1.5, terminationGracePeriodSeconds: 3),
      readiness: ProbeRecord(action: .tcpSocket(host: "10.0.0.1", port: 9), periodSeconds: 2),
      startup: ProbeRecord(action: nil, unresolved: "tcp-socket :http (no such port)", failureThreshold: 30))
    let (reader, decoder, supervisor) = try readBoth(record)
    let read = try #require(reader, "the reader gave up on a record with probes")
    #expect(read == decoder)
    #expect(supervisor == decoder)
    #expect(read.containers[1].probes?.readiness?.action == .exec(command: ["cat", "/tmp/ok"]))
    #expect(read.containers[2].probes == record.containers[2].probes)
  }

  @Test func aDamagedRecordIsLeftToJSONDecoderAndItsError() throws {
    #expect(PodRecordReader.read(Array(#"{"namespace": "default", "name": 7}"#.utf8)) == nil)
    #expect(PodRecordReader.read(Array("not json".utf8)) == nil)
  }
}
