import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonOCI
import GarrisonCompiler
import GarrisonPlan
@testable import GarrisonPods
@testable import GarrisonSupervisor
import GarrisonTestSupport
import Testing
import GarrisonKernel

/// The Kubernetes-shaped pod (`get pods -o json|yaml`), kubectl's columns and the pod conditions, without root:
/// records and statuses are built here, as the supervisor would write them.
@Suite struct KubernetesPodViewTests {
  static let schemaDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/kubernetes-json-schema"

  static let manifest = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
      namespace: team-a
      labels: {app: web, tier: "1"}
      annotations: {note: "x"}
    spec:
      restartPolicy: Always
      initContainers:
      - {name: setup, image: busybox, command: ["true"]}
      - {name: side, image: busybox, restartPolicy: Always, command: ["sleep", "1000"]}
      containers:
      - name: app
        image: busybox
        command: ["sleep", "1000"]
        ports: [{containerPort: 0x50}]
        resources: {limits: {cpu: 100m, memory: 64Mi}}
        readinessProbe: {exec: {command: ["true"]}, periodSeconds: 5}
    """

  static func record(_ yaml: String = manifest, created: Date = Date(timeIntervalSince1970: 1_800_000_000)) throws -> PodRecord {
    let object = try #require(ManifestLoader.parse(text: yaml, file: "p.yaml").objects.first)
    let pod = try #require(object.pod)
    let containers = (pod.spec.initContainers + pod.spec.containers).map { c in
      ContainerRecord(
        name: c.name, role: pod.spec.containers.contains(c) ? .app : (c.restartPolicy == "Always" ? .sidecar : .initContainer),
        image: c.image ?? "", spec: RuntimeSpec(), rootfs: RootfsSource(lowerdirs: ["/x"]), volumeMounts: [],
        planDigest: "sha256:00", appArmorExplicit: false, seLinuxExplicit: false)
    }
    var r = PodRecord(
      namespace: object.namespace, name: object.name, uid: "0f2b6a4e-1111-4222-8333-444455556666", createdAt: created,
      restartPolicy: pod.spec.restartPolicy ?? "Always", containers: containers, volumes: [], network: NetworkConfig(mode: .none),
      namespaces: SandboxNamespaces(hostNetwork: false, hostIPC: false, hostPID: false, sharePID: false),
      runtime: RuntimeConfig(path: "/usr/bin/crun", root: "/r"), backoff: BackoffPolicy(), terminationGracePeriodSeconds: 30,
      requests: FitCheck.requests(pod.spec), fsGroup: nil, hostname: object.name)
    r.labels = object.metadata.labels
    r.annotations = object.metadata.annotations
    r.specJSON = pod.specJSON
    r.qosClass = QoSClass.of(pod.spec).rawValue
    r.nodeName = "node-1"
    return r
  }

  /// A running pod: init done, sidecar and app running, the app ready, one app restart after an error exit.
  static func runningView() throws -> PodView {
    let r = try record()
    let t0 = r.createdAt
    var s = PodStatus(
      phase: .running, containers: r.containers.map { ContainerStatus(name: $0.name, role: $0.role, runtimeID: r.runtimeID($0.name)) })
    s.podIP = "10.88.0.7"
    s.hostIP = "192.0.2.10"
    s.startedAt = t0.addingTimeInterval(0.25)
    s.supervisor = ProcessRef(pid: 4242, startTime: 1)
    s.containers[0].state = ContainerStateInfo(
      kind: .terminated, reason: "Completed", exitCode: 0, startedAt: t0.addingTimeInterval(1), finishedAt: t0.addingTimeInterval(1.5))
    s.containers[0].ready = true
    s.containers[1].state = ContainerStateInfo(kind: .running, startedAt: t0.addingTimeInterval(2))
    (s.containers[1].ready, s.containers[1].started) = (true, true)
    s.containers[2].lastState = ContainerStateInfo(
      kind: .terminated, reason: "Error", exitCode: 2, startedAt: t0.addingTimeInterval(3), finishedAt: t0.addingTimeInterval(4))
    s.containers[2].restartCount = 1
    s.containers[2].state = ContainerStateInfo(kind: .running, startedAt: t0.addingTimeInterval(5.123))
    (s.containers[2].ready, s.containers[2].started) = (true, true)
    s.refreshConditions(now: t0.addingTimeInterval(6), scheduledAt: t0)
    return PodView(paths: PodPaths(root: "/nonexistent", namespace: r.namespace, name: r.name), record: r, status: s, supervised: true)
  }

  @Test func specAsAppliedKeepsYAMLTypes() throws {
    let spec = try #require(try Self.record().specJSON)
    let app = try #require(spec["containers"]?.arrayValue?.first)
    #expect(app["ports"]?.arrayValue?.first?["containerPort"] == .int(80))  // 0x50, typed as the API server would
    #expect(app["readinessProbe"]?["periodSeconds"] == .int(5))
    #expect(app["resources"]?["limits"]?["memory"] == .string("64Mi"))
    #expect(spec["initContainers"]?.arrayValue?[1]["restartPolicy"] == .string("Always"))
  }

  @Test func kubernetesShape() throws {
    let v = try Self.runningView()
    let pod = KubernetesPodView.pod(v)
    #expect(pod.apiVersion == "v1" && pod.kind == "Pod")
    #expect(pod.metadata.name == "web" && pod.metadata.namespace == "team-a" && pod.metadata.uid == v.record.uid)
    #expect(pod.metadata.creationTimestamp == "2027-01-15T08:00:00Z")
    #expect(pod.metadata.labels == ["app": "web", "tier": "1"])
    #expect(pod.metadata.annotations?["note"] == "x" && pod.metadata.annotations?["garrison.io/supervisor-pid"] == "4242")
    #expect(pod.spec["nodeName"] == .string("node-1") && pod.spec["terminationGracePeriodSeconds"] == .int(30))
    let st = pod.status
    #expect(st.phase == "Running" && st.podIP == "10.88.0.7" && st.podIPs == [.init(ip: "10.88.0.7")])
    #expect(st.hostIP == "192.0.2.10" && st.startTime == "2027-01-15T08:00:00Z" && st.qosClass == "Burstable")
    #expect(st.conditions?.map(\.type) == ["PodScheduled", "Initialized", "ContainersReady", "Ready"])
    #expect(st.conditions?.allSatisfy { $0.status == "True" } == true)
    #expect(st.initContainerStatuses?.map(\.name) == ["setup", "side"])
    #expect(st.containerStatuses?.map(\.name) == ["app"])
    let app = try #require(st.containerStatuses?.first)
    #expect(app.state.running?.startedAt == "2027-01-15T08:00:05Z")
    #expect(app.lastState.terminated?.exitCode == 2 && app.lastState.terminated?.reason == "Error")
    #expect(app.lastState.terminated?.finishedAt == "2027-01-15T08:00:04Z")
    #expect(app.ready && app.started == true && app.restartCount == 1 && app.image == "busybox" && app.imageID == "")
    #expect(app.containerID == "garrison://" + v.record.runtimeID("app"))
    let setup = try #require(st.initContainerStatuses?.first)
    #expect(setup.state.terminated?.reason == "Completed" && setup.ready && setup.started == false)
    #expect(setup.lastState == KubernetesPod.State())
  }

  /// `get pods -o json` validates against Kubernetes' core/v1 Pod JSON schema, also with unknown fields refused.
  @Test(HostTools.jsonSchema)
  func validatesAgainstTheCoreV1PodSchema() throws {
    var pending = try Self.runningView()
    pending.status = PodStatus(
      phase: .pending,
      containers: pending.record.containers.map {
        ContainerStatus(name: $0.name, role: $0.role, runtimeID: pending.record.runtimeID($0.name))
      })
    pending.status.refreshConditions(now: pending.record.createdAt, scheduledAt: pending.record.createdAt)
    var failed = try Self.runningView()
    failed.status.phase = .failed
    failed.status.reason = "Init:Error"
    failed.status.containers[2].state = ContainerStateInfo(
      kind: .terminated, reason: "OOMKilled", exitCode: 137, signal: 9,
      startedAt: Date(), finishedAt: Date())
    failed.status.deletionTimestamp = Date()
    failed.status.deletionGracePeriodSeconds = 1
    failed.status.refreshConditions(now: Date(), scheduledAt: failed.record.createdAt)
    for v in [try Self.runningView(), pending, failed] {
      let enc = JSONEncoder()
      enc.outputFormatting = [.sortedKeys]
      let data = try enc.encode(KubernetesPodView.pod(v))
      let result = try SchemaCheck.validate(data, schemaDirectory: Self.schemaDirectory)
      #expect(result.errors.isEmpty, "\(result.errors)")
    }
  }

  @Test func conditionsFollowContainerReadiness() throws {
    let v = try Self.runningView()
    var s = v.status
    let t = v.record.createdAt
    #expect(s.isReady)
    let readySince = try #require(s.condition("Ready")).lastTransitionTime
    s.containers[2].ready = false
    s.refreshConditions(now: t.addingTimeInterval(100), scheduledAt: t)
    #expect(!s.isReady && s.condition("Ready")?.reason == "ContainersNotReady")
    #expect(s.condition("Ready")?.message == "containers with unready status: [app]")
    #expect(s.condition("Ready")?.lastTransitionTime == t.addingTimeInterval(100))
    #expect(s.condition("Initialized")?.isTrue == true)
    s.refreshConditions(now: t.addingTimeInterval(200), scheduledAt: t)
    #expect(s.condition("Ready")?.lastTransitionTime == t.addingTimeInterval(100), "unchanged status keeps its transition time")
    s.containers[2].ready = true
    s.refreshConditions(now: t.addingTimeInterval(300), scheduledAt: t)
    #expect(s.isReady && readySince != s.condition("Ready")?.lastTransitionTime)
    s.phase = .succeeded
    s.refreshConditions(now: t.addingTimeInterval(400), scheduledAt: t)
    #expect(!s.isReady && s.condition("Ready")?.reason == "PodCompleted")
    var fresh = PodStatus(
      phase: .pending, containers: v.status.containers.map { ContainerStatus(name: $0.name, role: $0.role, runtimeID: $0.runtimeID) })
    fresh.refreshConditions(now: t, scheduledAt: t)
    #expect(fresh.condition("PodScheduled")?.isTrue == true)
    #expect(fresh.condition("Initialized")?.message == "containers with incomplete status: [setup side]")
    #expect(fresh.condition("Ready")?.reason == "ContainersNotInitialized")
  }

  @Test func qosClasses() throws {
    func qos(_ containers: String) throws -> QoSClass {
      let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n" + containers
      return QoSClass.of(try #require(ManifestLoader.parse(text: yaml, file: "q.yaml").objects.first?.pod?.spec))
    }
    #expect(try qos("  - {name: a}\n") == .bestEffort)
    #expect(try qos("  - {name: a, resources: {limits: {cpu: 1, memory: 1Gi}}}\n") == .guaranteed)
    #expect(try qos("  - {name: a, resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: 1000m}}}\n") == .guaranteed)
    #expect(try qos("  - {name: a, resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: 500m}}}\n") == .burstable)
    #expect(try qos("  - {name: a, resources: {requests: {memory: 1Gi}}}\n") == .burstable)
    #expect(try qos("  - {name: a, resources: {limits: {cpu: 1, memory: 1Gi}}}\n  - {name: b}\n") == .burstable)
  }

  // MARK: kubectl's columns

  /// One row of the STATUS/READY/RESTARTS table: init and app container states → kubectl's columns.
  struct Row: Sendable, CustomStringConvertible {
    var label: String
    var inits: [KubernetesPod.ContainerStatus] = []
    var apps: [KubernetesPod.ContainerStatus]
    var phase = "Running"
    var reason: String?
    var initialized = true
    var podReady = true
    var deleting = false
    var ready: String
    var status: String
    var restarts: String
    var description: String { label }
  }

  static let now = Date(timeIntervalSince1970: 1_800_001_000)
  static func cs(
    _ name: String, _ state: KubernetesPod.State, ready: Bool = false, started: Bool? = nil, restarts: Int = 0,
    last: KubernetesPod.State = .init()
  ) -> KubernetesPod.ContainerStatus {
    KubernetesPod.ContainerStatus(
      name: name, state: state, lastState: last, ready: ready, restartCount: restarts, image: "i",
      imageID: "", containerID: nil, started: started)
  }
  static func running() -> KubernetesPod.State { .init(running: .init(startedAt: "2027-01-15T08:00:00Z")) }
  static func waiting(_ r: String) -> KubernetesPod.State { .init(waiting: .init(reason: r)) }
  static func terminated(_ code: Int32, _ reason: String?, signal: Int32? = nil, finished: Date = now.addingTimeInterval(-42))
    -> KubernetesPod.State
  {
    .init(terminated: .init(exitCode: code, signal: signal, reason: reason, finishedAt: KubernetesPodView.time(finished)))
  }

  static let rows: [Row] = [
    Row(label: "running ready", apps: [cs("a", running(), ready: true, started: true)], ready: "1/1", status: "Running", restarts: "0"),
    Row(
      label: "running not ready", apps: [cs("a", running(), started: true)], podReady: false, ready: "0/1", status: "Running", restarts: "0"
    ),
    Row(
      label: "init 0 of 2 running", inits: [cs("i1", running()), cs("i2", waiting("PodInitializing"))],
      apps: [cs("a", waiting("PodInitializing"))], phase: "Pending", initialized: false, podReady: false, ready: "0/1", status: "Init:0/2",
      restarts: "0"),
    Row(
      label: "init 1 of 2 done", inits: [cs("i1", terminated(0, "Completed"), ready: true), cs("i2", running())],
      apps: [cs("a", waiting("PodInitializing"))], phase: "Pending", initialized: false, podReady: false, ready: "0/1", status: "Init:1/2",
      restarts: "0"),
    Row(
      label: "init crash loop", inits: [cs("i1", waiting("CrashLoopBackOff"), restarts: 3, last: terminated(1, "Error"))],
      apps: [cs("a", waiting("PodInitializing"))], phase: "Pending", initialized: false, podReady: false, ready: "0/1",
      status: "Init:CrashLoopBackOff", restarts: "3 (42s ago)"),
    Row(
      label: "init failed, Never", inits: [cs("i1", terminated(3, "Error"))], apps: [cs("a", waiting("PodInitializing"))],
      phase: "Failed", reason: "Init:Error", initialized: false, podReady: false, ready: "0/1", status: "Init:Error", restarts: "0"),
    Row(
      label: "init killed by a signal, no reason", inits: [cs("i1", terminated(137, nil, signal: 9))],
      apps: [cs("a", waiting("PodInitializing"))],
      phase: "Pending", initialized: false, podReady: false, ready: "0/1", status: "Init:Signal:9", restarts: "0"),
    Row(
      label: "app waiting after init", inits: [cs("i1", terminated(0, "Completed"), ready: true)],
      apps: [cs("a", waiting("PodInitializing"))],
      phase: "Pending", podReady: false, ready: "0/1", status: "PodInitializing", restarts: "0"),
    Row(
      label: "crash loop",
      apps: [cs("a", waiting("CrashLoopBackOff"), restarts: 5, last: terminated(1, "Error", finished: now.addingTimeInterval(-200)))],
      podReady: false, ready: "0/1", status: "CrashLoopBackOff", restarts: "5 (3m20s ago)"),
    Row(
      label: "completed", apps: [cs("a", terminated(0, "Completed"))], phase: "Succeeded", podReady: false, ready: "0/1",
      status: "Completed", restarts: "0"),
    Row(
      label: "error", apps: [cs("a", terminated(1, "Error"))], phase: "Failed", podReady: false, ready: "0/1", status: "Error",
      restarts: "0"),
    Row(
      label: "oom killed", apps: [cs("a", terminated(137, "OOMKilled"))], phase: "Failed", podReady: false, ready: "0/1",
      status: "OOMKilled", restarts: "0"),
    Row(
      label: "exit code without reason", apps: [cs("a", terminated(2, nil))], phase: "Failed", podReady: false, ready: "0/1",
      status: "ExitCode:2", restarts: "0"),
    Row(
      label: "one done one running, ready", apps: [cs("a", terminated(0, "Completed")), cs("b", running(), ready: true, started: true)],
      ready: "1/2", status: "Running", restarts: "0"),
    Row(
      label: "one done one running, pod not ready",
      apps: [cs("b", running(), ready: true, started: true), cs("a", terminated(0, "Completed"))],
      podReady: false, ready: "1/2", status: "NotReady", restarts: "0"),
    Row(
      label: "sidecar counts in READY",
      inits: [
        cs("side", running(), ready: true, started: true, restarts: 2, last: terminated(1, "Error", finished: now.addingTimeInterval(-600)))
      ],
      apps: [
        cs("a", running(), ready: true, started: true, restarts: 1, last: terminated(1, "Error", finished: now.addingTimeInterval(-30)))
      ],
      ready: "2/2", status: "Running", restarts: "3 (30s ago)"),
    Row(
      label: "terminating", apps: [cs("a", running(), ready: true, started: true)], deleting: true, ready: "1/1", status: "Terminating",
      restarts: "0"),
    Row(
      label: "terminating but finished", apps: [cs("a", terminated(0, "Completed"))], phase: "Succeeded", podReady: false, deleting: true,
      ready: "0/1", status: "Completed", restarts: "0"),
    Row(
      label: "supervisor lost", apps: [cs("a", terminated(137, "ContainerStatusUnknown"))], phase: "Unknown", reason: "SupervisorLost",
      podReady: false, ready: "0/1", status: "ContainerStatusUnknown", restarts: "0"),
  ]

  @Test(arguments: rows)
  func kubectlColumns(_ row: Row) throws {
    var spec: [String: JSONValue] = ["containers": .array(row.apps.map { .object(["name": .string($0.name)]) })]
    if !row.inits.isEmpty {
      spec["initContainers"] = .array(
        row.inits.map { c in
          c.name == "side" ? .object(["name": .string(c.name), "restartPolicy": "Always"]) : .object(["name": .string(c.name)])
        })
    }
    let pod = KubernetesPod(
      metadata: .init(
        name: "p", namespace: "default", uid: "u", creationTimestamp: KubernetesPodView.time(Self.now.addingTimeInterval(-3700)),
        deletionTimestamp: row.deleting ? "2027-01-15T08:16:00Z" : nil),
      spec: .object(spec),
      status: .init(
        phase: row.phase,
        conditions: [
          .init(type: "Initialized", status: row.initialized ? "True" : "False"),
          .init(type: "Ready", status: row.podReady ? "True" : "False"),
        ], reason: row.reason, initContainerStatuses: row.inits.isEmpty ? nil : row.inits, containerStatuses: row.apps))
    let cols = KubectlPodColumns(pod, now: Self.now)
    #expect(cols.ready == row.ready)
    #expect(cols.status == row.status)
    #expect(cols.restarts == row.restarts)
    #expect(cols.age == "61m")
    #expect(cols.cells(wide: true).suffix(4) == ["<none>", "<none>", "<none>", "<none>"])
  }

  @Test(
    arguments: [
      (0.0, "0s"), (-1.5, "0s"), (-3.0, "<invalid>"), (119, "119s"), (120, "2m"), (200, "3m20s"), (600, "10m"),
      (3 * 3600 - 1, "179m"), (3 * 3600, "3h"), (5 * 3600 + 600, "5h10m"), (8 * 3600, "8h"), (47 * 3600, "47h"),
      (51 * 3600, "2d3h"), (8 * 86400, "8d"), (800 * 86400, "2y70d"), (3000 * 86400, "8y"),
    ] as [(Double, String)])
  func humanDuration(_ seconds: Double, _ text: String) {
    #expect(KubectlPodColumns.humanDuration(seconds) == text)
  }
}

/// Validates `get pods -o json` output against the checked-in core/v1 Pod schema, as is and strict (no field the
/// schema does not know), with GarrisonTestSupport's `JSONSchemaCheck`.
enum SchemaCheck {
  /// The pods in `data` (a Pod, or a `v1` List of them) and the first error of each invalid one.
  static func validate(_ data: Data, schemaDirectory: String) throws -> (pods: Int, errors: [String]) {
    let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var pods = [doc]
    if doc["kind"] as? String == "List" {
      #expect(doc["apiVersion"] as? String == "v1", "not a v1 List")
      pods = try #require(doc["items"] as? [[String: Any]], "List without items")
    }
    let documents = try pods.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
    let errors = try JSONSchemaCheck.errors(documents: documents, schema: schemaDirectory + "/pod-v1.json", strict: true)
    return (pods.count, errors.compactMap { $0 })
  }
}
