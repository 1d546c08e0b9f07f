import Foundation
import GarrisonCompiler
import GarrisonManifest
import GarrisonLSMHost
import GarrisonOCI
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing

@Test func backoffDoublesToTheCap() {
  let b = BackoffPolicy(base: 10, max: 300)
  #expect([1, 2, 3, 4, 5, 6, 7].map { b.delay(restarts: $0) } == [10, 20, 40, 80, 160, 300, 300])
  #expect(b.delay(restarts: 0) == 0)
}

@Test func cidrAddresses() throws {
  let c = try CIDR("10.88.0.0/16")
  #expect(c.address(1) == "10.88.0.1" && c.address(258) == "10.88.1.2" && c.size == 65_536)
  #expect(throws: (any Error).self) { try CIDR("10.88.0.0") }
  #expect(throws: (any Error).self) { try CIDR("300.1.1.1/8") }
}

@Test func criLogRoundTrip() {
  let text =
    "2026-01-01T00:00:00.000000001Z stdout F hello world\n2026-01-01T00:00:00.1Z stderr P part\n2026-01-01T00:00:00.2Z stderr F ial\n"
  #expect(CRILog.render(text) == "hello world\npartial\n")
  #expect(CRILog.parse("2026-01-01T00:00:00Z stdout F a b")?.message == "a b")
}

@Test func subPathStaticValidation() {
  #expect(throws: (any Error).self) { try SubPath.validate("/abs", field: "f") }
  #expect(throws: (any Error).self) { try SubPath.validate("a/../../b", field: "f") }
  #expect(throws: Never.self) { try SubPath.validate("a/b..c/d", field: "f") }
}

@Test func podRequestsCountInitContainersAndSidecarsLikeTheScheduler() throws {
  let yaml = """
    apiVersion: v1
    kind: Pod
    metadata: {name: r}
    spec:
      initContainers:
      - {name: i, resources: {requests: {cpu: "2", memory: 1Gi}}}
      - {name: s, restartPolicy: Always, resources: {requests: {cpu: 100m}}}
      containers:
      - {name: a, resources: {requests: {cpu: 200m, memory: 100Mi}}}
      - {name: b, resources: {limits: {cpu: 300m, memory: 100Mi}}}
    """
  let spec = try #require(ManifestLoader.parse(text: yaml, file: "r.yaml").objects.first?.pod?.spec)
  let r = FitCheck.requests(spec)
  #expect(r.cpuMillis == 2000)
  #expect(r.memoryBytes == 1 << 30)
  let fit = FitCheck(allocatableMilliCPU: 2000, allocatableMemory: 2 << 30)
  #expect(throws: Never.self) { try fit.check(r, name: "r", others: []) }
  #expect(throws: (any Error).self) { try fit.check(r, name: "r", others: [PodRequests(cpuMillis: 1, memoryBytes: 0)]) }
}

/// Issue 13: requests near 2^63 (a valid quantity) summed across containers and pods saturate instead of
/// trapping, and such a pod does not fit.
@Test func hugeRequestsSaturateAndDoNotFit() throws {
  let yaml = """
    apiVersion: v1
    kind: Pod
    metadata: {name: huge}
    spec:
      initContainers:
      - {name: s, restartPolicy: Always, resources: {requests: {cpu: "9223372036854775807", memory: 8Ei}}}
      containers:
      - {name: a, resources: {requests: {cpu: "9223372036854775807", memory: 8Ei}}}
      - {name: b, resources: {requests: {cpu: "9223372036854775807", memory: 8Ei}}}
    """
  let spec = try #require(ManifestLoader.parse(text: yaml, file: "h.yaml").objects.first?.pod?.spec)
  let r = FitCheck.requests(spec)
  #expect(r.cpuMillis == Int64.max && r.memoryBytes == Int64.max)
  let fit = FitCheck(allocatableMilliCPU: 2000, allocatableMemory: 2 << 30)
  #expect(throws: (any Error).self) { try fit.check(PodRequests(cpuMillis: 1, memoryBytes: 1), name: "r", others: [r, r]) }
  #expect(throws: (any Error).self) { try fit.check(r, name: "r", others: []) }
}

@Test func bundleSpecJoinsTheSandboxAndStripsOnlyDefaultLabelsForCrun() {
  var spec = RuntimeSpec(
    process: .init(args: ["sh"], apparmorProfile: "garrison-default", selinuxLabel: "system_u:system_r:container_t:s0"),
    root: .init(path: "rootfs"),
    linux: .init(
      namespaces: [.init(type: "mount"), .init(type: "network"), .init(type: "ipc"), .init(type: "uts"), .init(type: "pid")],
      mountLabel: "system_u:object_r:container_file_t:s0"))
  spec.hostname = nil
  var c = ContainerRecord(
    name: "c", role: .app, image: "", spec: spec, rootfs: .init(lowerdirs: []), volumeMounts: [],
    planDigest: "", appArmorExplicit: false, seLinuxExplicit: true)
  let join = ["network": "/proc/9/ns/net", "ipc": "/proc/9/ns/ipc", "uts": "/proc/9/ns/uts"]
  let binds = [BundleSpec.VolumeBind(source: "/v", destination: "/data", readOnly: true)]
  let noLSM = HostLSM.none
  let (out, notes) = BundleSpec.patch(
    spec, join: join, rootfs: "/b/rootfs", binds: binds, hostname: "p", container: c,
    runtime: RuntimeConfig(path: "/usr/bin/crun", root: "/r"), host: noLSM)
  let ns = out.linux?.namespaces ?? []
  #expect(ns.first { $0.type == "network" }?.path == "/proc/9/ns/net")
  #expect(ns.first { $0.type == "pid" }?.path == nil)
  #expect(ns.first { $0.type == "mount" }?.path == nil)
  #expect(out.root?.path == "/b/rootfs")
  #expect(out.hostname == nil)  // the UTS namespace is the sandbox's: its hostname is set there once
  #expect(out.mounts?.last == .init(destination: "/data", type: "bind", source: "/v", options: ["rbind", "rprivate", "ro"]))
  #expect(out.process?.apparmorProfile == nil)  // a default: removed for crun
  #expect(out.process?.selinuxLabel != nil)  // explicit: kept (crun will refuse: fail closed)
  #expect(notes.messages.count == 1)
  // Another runtime gets the config unchanged.
  c.seLinuxExplicit = false
  let (other, _) = BundleSpec.patch(
    spec, join: join, rootfs: "/b/rootfs", binds: [], hostname: nil, container: c,
    runtime: RuntimeConfig(path: "/usr/bin/garrison-oci", root: "/r"), host: noLSM)
  #expect(other.process?.apparmorProfile == "garrison-default" && other.ociVersion == spec.ociVersion)
}

@Test func workloadControllersAreRefusedByTheBuilder() throws {
  let yaml = """
    apiVersion: batch/v1
    kind: Job
    metadata: {name: j}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: a, image: busybox}]
    """
  let obj = try #require(ManifestLoader.parse(text: yaml, file: "j.yaml").objects.first)
  let options = ApplyOptions(
    runtimePath: "/usr/bin/crun", images: DirectoryImageResolver(directory: "/"), host: .none, supervisorExecutable: "/bin/false")
  #expect(throws: (any Error).self) { try PodBuilder(root: "/nonexistent", options: options).build(obj) }
}

@Test func hostPathTypesAreCheckedAndCreatedAsAsked() throws {
  let dir = "/var/tmp/garrison-test-\(UInt32.random(in: 0..<UInt32.max))"
  defer { try? FileManager.default.removeItem(atPath: dir) }
  try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: true)
  try "x".write(toFile: dir + "/f", atomically: true, encoding: .utf8)
  #expect(throws: Never.self) { try HostPathCheck.check(path: dir + "/d", type: "Directory", field: "v") }
  #expect(throws: Never.self) { try HostPathCheck.check(path: dir + "/f", type: "File", field: "v") }
  #expect(throws: (any Error).self) { try HostPathCheck.check(path: dir + "/f", type: "Directory", field: "v") }
  #expect(throws: (any Error).self) { try HostPathCheck.check(path: dir + "/d", type: "Socket", field: "v") }
  #expect(throws: (any Error).self) { try HostPathCheck.check(path: dir + "/missing", type: "File", field: "v") }
  #expect(throws: (any Error).self) { try HostPathCheck.check(path: "relative", type: "", field: "v") }
  #expect(throws: (any Error).self) { try HostPathCheck.check(path: dir, type: "Bogus", field: "v") }
  _ = try HostPathCheck.check(path: dir + "/new/dir", type: "DirectoryOrCreate", field: "v")
  _ = try HostPathCheck.check(path: dir + "/new/file", type: "FileOrCreate", field: "v")
  var isDir: ObjCBool = false
  #expect(FileManager.default.fileExists(atPath: dir + "/new/dir", isDirectory: &isDir) && isDir.boolValue)
  #expect(FileManager.default.fileExists(atPath: dir + "/new/file", isDirectory: &isDir) && !isDir.boolValue)
  // An existing path of the other kind is not replaced.
  #expect(throws: (any Error).self) { try HostPathCheck.check(path: dir + "/f", type: "DirectoryOrCreate", field: "v") }
}

@Test func aDerivedPodUIDBelongsToItsStoreAndStaysTheSameThere() throws {
  // Two stores on one host (two roots) must not derive one cgroup path for the same namespace/name; one store,
  // however its root is spelled, derives the same UID every time (an unchanged re-apply stays unchanged).
  let base = "/var/tmp/garrison-test-\(UInt32.random(in: 0..<UInt32.max))"
  defer { try? FileManager.default.removeItem(atPath: base) }
  for d in ["a", "b", "rootfs"] { try FileManager.default.createDirectory(atPath: base + "/" + d, withIntermediateDirectories: true) }
  try FileManager.default.createSymbolicLink(atPath: base + "/a-link", withDestinationPath: base + "/a")
  let options = ApplyOptions(
    runtimePath: "/usr/bin/crun", images: DirectoryImageResolver(directory: base + "/rootfs"), host: .none,
    compiler: CompilerOptions(compileBPF: false), supervisorExecutable: "/bin/false")
  func build(_ yaml: String, root: String) throws -> PodRecord {
    let obj = try #require(ManifestLoader.parse(text: yaml, file: "p.yaml").objects.first)
    return try PodBuilder(root: root, options: options).build(obj)
  }
  let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n"
  let a = try build(pod, root: base + "/a")
  let b = try build(pod, root: base + "/b")
  #expect(a.uid != b.uid)
  #expect(a.containers[0].spec.linux?.cgroupsPath == "/garrison/\(a.uid)/c")
  #expect(b.containers[0].spec.linux?.cgroupsPath == "/garrison/\(b.uid)/c")
  #expect(try build(pod, root: base + "/a-link/.").uid == a.uid)
  // `lint`/`explain` (no store) derive from the manifest alone, as before.
  #expect(PodUID.derive(namespace: "default", name: "p") != a.uid)
  // A manifest's own uid is kept in every store.
  let given = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, uid: 1234-abcd}\nspec:\n  containers: [{name: c, image: busybox}]\n"
  #expect(try build(given, root: base + "/a").uid == "1234-abcd")
  #expect(try build(given, root: base + "/b").uid == "1234-abcd")
}
