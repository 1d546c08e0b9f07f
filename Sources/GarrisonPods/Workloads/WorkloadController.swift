import Foundation
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonManifest

/// The controller process of one top-level workload (`garrison control`), started detached by the CLI like a
/// pod supervisor. On every event that can change its decision (a pod supervisor's exit, a pod's `status.json`
/// replaced, a pod created, deleted or marked terminating, its object changed: `WorkloadWakeup`), and at least
/// once a second, it reads the object and the pods from disk under the workload's lock, asks the pure decision
/// (`DeploymentDecision`, `DeploymentProgress`, `ReplicaSetDecision`, `JobDecision`) and executes its actions. It
/// keeps nothing that is not on disk, so a `kill -9` loses nothing: the next command starts a new one, which
/// carries on.
public final class WorkloadController: @unchecked Sendable {
  let store: WorkloadStore
  let paths: WorkloadPaths
  let manager: PodManager
  let makeOptions: @Sendable (WorkloadRunConfig) throws -> ApplyOptions
  var audit: PodAudit?
  /// Pods whose deletion runs on a background thread of this process.
  let deletions = DeletionSet()
  var templates: [String: ManifestObject] = [:]
  /// The last refusal, so a pod the fit check keeps refusing is audited once, not every tick.
  var lastRefusal: [String: String] = [:]
  /// The longest sleep between two passes (time-based decisions: minReadySeconds, deadlines, TTLs).
  public var interval: Double = 1.0
  /// The pods the last pass looked at (their directories and supervisors are what the next sleep watches).
  var watched: [PodView] = []
  /// The namespace's pods, their records decoded once.
  lazy var podList = PodListCache(manager: manager)
  /// Supervisors this process spawned (they are its children): reaped by pid, so none stays a zombie.
  var children: Set<Int32> = []

  public init(
    root: String, namespace: String, kind: String, name: String,
    makeOptions: @escaping @Sendable (WorkloadRunConfig) throws -> ApplyOptions
  ) {
    store = WorkloadStore(root: root)
    paths = WorkloadPaths(root: root, namespace: namespace, kind: kind, name: name)
    manager = PodManager(root: root)
    self.makeOptions = makeOptions
  }

  /// Runs until the workload is deleted (or a Job is finished and has no TTL left to wait for). Returns 0; a
  /// second controller for the same workload returns at once.
  public func run() -> Int32 {
    let fd = open(paths.controllerLock, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else { return 0 }
    defer { close(fd) }
    if let me = ProcessProbe.ref(getpid()) { try? JSONFile.write(me, to: paths.controller, mode: 0o600) }
    do { audit = try PodAudit(root: paths.root) } catch { log("cannot open the audit log: \(error)") }
    let wakeup = WorkloadWakeup(objectDirectory: paths.directory, podsDirectory: PodPaths.podsDirectory(paths.root) + "/" + paths.namespace)
    if wakeup.events == nil { log("inotify is not available: passes run once a second only") }
    while true {
      guard FileManager.default.fileExists(atPath: paths.object) else { return 0 }
      var finished = false
      watched = []
      do {
        finished = try store.withLock(paths) { try reconcile() }
      } catch {
        log("reconcile: \(error)")
      }
      if finished && deletions.isEmpty { return 0 }
      let gone = wakeup.track(
        podDirectories: watched.map(\.paths.directory),
        supervisors: watched.filter(\.supervised).compactMap(\.status.supervisor))
      if !gone { wakeup.wait(timeout: interval) }
    }
  }

  func log(_ text: String) {
    FileHandle.standardError.write(Data("\(Timestamps.format(Date())) \(paths.kind)/\(paths.name): \(text)\n".utf8))
  }

  func auditing(_ body: (PodAudit) throws -> Void) {
    guard let audit else { return }
    do { try body(audit) } catch { log("audit: \(error)") }
  }

  /// One pass; true when there is nothing left to do (a finished Job without TTL).
  func reconcile() throws -> Bool {
    guard let object = try JSONFile.read(WorkloadObject.self, from: paths.object) else { return true }
    let pods = try podList.list(namespace: object.namespace)
    reapChildren(pods)
    if object.deletionTimestamp != nil { return try finishForegroundDeletion(object, pods: pods) }
    switch object.kind {
    case "Deployment": try reconcileDeployment(object, pods: pods)
    case "ReplicaSet": try reconcileReplicaSet(object, pods: pods)
    case "Job": return try reconcileJob(object, pods: pods)
    default: return true
    }
    return false
  }

  /// `waitpid(WNOHANG)` on each supervisor pid this process may have spawned (never `waitpid(-1)`: the
  /// deletion threads wait for their own commands).
  func reapChildren(_ pods: [PodView]) {
    for v in pods {
      if let sup = v.status.supervisor, sup.pid != getpid() { children.insert(sup.pid) }
    }
    for pid in children {
      var st: Int32 = 0
      let r = waitpid(pid, &st, WNOHANG)
      if r == pid || (r < 0 && errno == ECHILD) { children.remove(pid) }
    }
  }

  /// Terminating pods whose deletion is not running here are deleted again: at once when the pod's supervisor is
  /// gone (nobody is stopping it: the controller that started the deletion was killed, or the deletion failed),
  /// otherwise once the stop request is older than the grace period and a minute.
  func retryStaleDeletions(_ owned: [PodView]) {
    for v in owned where WorkloadStore.terminating(v) && !deletions.contains(v.record.name) {
      let attrs = try? FileManager.default.attributesOfItem(atPath: v.paths.stopRequest)
      guard let written = attrs?[.modificationDate] as? Date else { continue }
      let supervisorGone = !(v.status.supervisor.map(ProcessProbe.isAlive) ?? false)
      if supervisorGone || Date().timeIntervalSince(written) > 60 + Double(v.record.terminationGracePeriodSeconds) {
        startDeletion(v, grace: 0)
      }
    }
  }

  func observed(_ v: PodView) -> ObservedPod {
    ObservedPod(v, terminating: WorkloadStore.terminating(v) || deletions.contains(v.record.name))
  }

  // MARK: Deployment

  func reconcileDeployment(_ d: WorkloadObject, pods: [PodView]) throws {
    var status = try store.status(paths)
    let before = status
    var createdNew = false
    let hash = TemplateHash.compute(template: d.spec.template)
    let now = Date()
    var sets = try store.list(kind: "ReplicaSet", namespace: d.namespace).filter { $0.ownerReferences.contains { $0.uid == d.uid } }
    func observe(_ rs: WorkloadObject) -> DeploymentDecision.ObservedRS {
      let owned = store.pods(ownedBy: rs.uid, in: pods).map(observed)
      let active = owned.filter(\.active)
      return DeploymentDecision.ObservedRS(
        name: rs.name, hash: rs.templateHash ?? "", replicas: rs.spec.replicas, revision: rs.revision, pods: owned.count,
        active: active.count, ready: active.filter(\.ready).count,
        available: active.filter { $0.available(minReadySeconds: d.spec.minReadySeconds, now: now) }.count)
    }
    let outcome = DeploymentDecision.decide(
      replicas: d.spec.replicas, strategy: d.spec.strategy, revisionHistoryLimit: d.spec.revisionHistoryLimit,
      paused: d.spec.paused, hash: hash, replicaSets: sets.map(observe))
    for action in outcome.actions {
      switch action {
      case .create(let h, let replicas, let revision):
        let rs = try makeReplicaSet(d, hash: h, replicas: replicas, revision: revision)
        try store.save(rs)
        sets.append(rs)
        createdNew = true
        status.rolloutRevision = revision
        status.event("Normal", "ScalingReplicaSet", "Scaled up replica set \(rs.name) to \(replicas)")
        auditing {
          try $0.workload(
            .workloadRolloutStarted, d,
            details: AuditDetails.rollout(
              workload: d.displayName, revision: revision, replicaSet: rs.name, templateHash: h, strategy: d.spec.strategy.type))
        }
      case .scale(let name, let replicas):
        guard let i = sets.firstIndex(where: { $0.name == name }) else { continue }
        let from = sets[i].spec.replicas
        sets[i].spec.replicas = replicas
        try store.save(sets[i])
        status.event(
          "Normal", "ScalingReplicaSet", "Scaled \(replicas > from ? "up" : "down") replica set \(name) from \(from) to \(replicas)")
      case .setRevision(let name, let revision):
        guard let i = sets.firstIndex(where: { $0.name == name }) else { continue }
        sets[i].annotations[WorkloadObject.revisionAnnotation] = String(revision)
        try store.save(sets[i])
        status.rolloutRevision = revision
        auditing {
          try $0.workload(
            .workloadRolloutStarted, d,
            details: AuditDetails.rollout(
              workload: d.displayName, revision: revision, replicaSet: name, templateHash: hash, strategy: d.spec.strategy.type))
        }
      case .delete(let name):
        guard let i = sets.firstIndex(where: { $0.name == name }) else { continue }
        try store.remove(store.paths(d.namespace, "ReplicaSet", name))
        sets.remove(at: i)
      }
    }
    for rs in sets { try reconcileReplicaSet(rs, pods: pods, minReadySeconds: d.spec.minReadySeconds) }
    status.observedGeneration = d.generation
    status.replicas = outcome.replicas
    status.updatedReplicas = outcome.updated
    status.readyReplicas = outcome.ready
    status.availableReplicas = outcome.available
    status.condition = outcome.complete ? "Complete" : "Progressing"
    setConditions(
      d, &status, before: before, outcome: outcome, newReplicaSet: sets.first { $0.templateHash == hash }?.name,
      created: createdNew, now: now)
    if outcome.complete, outcome.revision > 0, status.completedRevision != outcome.revision {
      status.completedRevision = outcome.revision
      let rsName = sets.first { $0.templateHash == hash }?.name ?? ""
      status.event("Normal", "RolloutComplete", "revision \(outcome.revision) (replica set \(rsName)) rolled out")
      auditing {
        try $0.workload(
          .workloadRolloutCompleted, d,
          details: AuditDetails.rollout(
            workload: d.displayName, revision: outcome.revision, replicaSet: rsName, templateHash: hash, strategy: d.spec.strategy.type))
      }
    }
    if status != before { try store.saveStatus(status, paths) }
  }

  /// `Progressing` (with `progressDeadlineSeconds`) and `Available`, as the Deployment controller sets them; a
  /// rollout that passes its deadline is a warning event once.
  func setConditions(
    _ d: WorkloadObject, _ status: inout WorkloadStatus, before: WorkloadStatus, outcome: DeploymentDecision.Outcome,
    newReplicaSet: String?, created: Bool, now: Date
  ) {
    let previous = DeploymentProgress.Counts(
      replicas: before.replicas, updated: before.updatedReplicas, ready: before.readyReplicas,
      available: before.availableReplicas)
    let next = DeploymentProgress.Counts(
      replicas: outcome.replicas, updated: outcome.updated, ready: outcome.ready, available: outcome.available)
    let progressing = DeploymentProgress.progressing(
      current: status.conditionNamed("Progressing"), previous: previous, next: next, desired: d.spec.replicas,
      generationObserved: status.observedGeneration >= d.generation,
      deadlineSeconds: DeploymentProgress.deadline(d.spec.progressDeadlineSeconds),
      newReplicaSet: newReplicaSet, created: created, paused: d.spec.paused, now: now)
    if let p = progressing, p.reason == DeploymentProgress.progressDeadlineExceeded,
      before.conditionNamed("Progressing")?.reason != DeploymentProgress.progressDeadlineExceeded
    {
      status.event("Warning", DeploymentProgress.progressDeadlineExceeded, p.message)
      log(p.message)
    }
    status.setCondition("Progressing", progressing)
    let maxUnavailable =
      d.spec.strategy.type == "RollingUpdate" && d.spec.replicas > 0
      ? min(d.spec.replicas, d.spec.strategy.fenceposts(replicas: d.spec.replicas).unavailable) : 0
    status.setCondition(
      "Available",
      DeploymentProgress.available(
        current: status.conditionNamed("Available"), availableReplicas: outcome.available, desired: d.spec.replicas,
        maxUnavailable: maxUnavailable, now: now))
  }

  /// The ReplicaSet of a Deployment's template: `<deployment>-<hash>`, the template's labels plus
  /// `pod-template-hash`, owned by the Deployment.
  func makeReplicaSet(_ d: WorkloadObject, hash: String, replicas: Int, revision: Int) throws -> WorkloadObject {
    let name = d.name + "-" + hash
    var template = try JSONParser.parse(d.spec.template)
    JSONEdit.set(&template, ["metadata", "labels", "pod-template-hash"], .string(hash))
    let manifest: JSONValue = [
      "apiVersion": "apps/v1", "kind": "ReplicaSet",
      "metadata": ["name": .string(name), "namespace": .string(d.namespace)],
      "spec": ["template": template],
    ]
    var spec = d.spec
    spec.kind = "ReplicaSet"
    spec.replicas = replicas
    spec.templateLabels["pod-template-hash"] = hash
    spec.selector.requirements.append(.init(key: "pod-template-hash", op: .in, values: [hash]))
    spec.template = template.canonicalString
    var labels = d.spec.templateLabels
    labels["pod-template-hash"] = hash
    var annotations = [WorkloadObject.revisionAnnotation: String(revision)]
    annotations["deployment.kubernetes.io/desired-replicas"] = String(d.spec.replicas)
    return WorkloadObject(
      kind: "ReplicaSet", apiVersion: "apps/v1", namespace: d.namespace, name: name, uid: UUID().uuidString.lowercased(),
      createdAt: Date(), labels: labels, annotations: annotations, ownerReferences: [d.reference], spec: spec,
      manifest: manifest.canonicalString, generation: 1, run: d.run, sourceTemplate: d.spec.template)
  }

  // MARK: ReplicaSet

  func reconcileReplicaSet(_ rs: WorkloadObject, pods: [PodView], minReadySeconds: Int? = nil) throws {
    let p = store.paths(rs.namespace, "ReplicaSet", rs.name)
    var status = try store.status(p)
    let before = status
    let now = Date()
    let owned = store.pods(ownedBy: rs.uid, in: pods)
    watched += owned
    retryStaleDeletions(owned)
    let observedPods = owned.map(observed)
    let plan = ReplicaSetDecision.decide(desired: rs.spec.replicas, pods: observedPods, known: Set(status.knownPods), now: now)
    for r in plan.replaced {
      status.event("Warning", "PodReplaced", "pod \(r.pod): \(r.reason)")
      auditing { try $0.podReplaced(namespace: rs.namespace, pod: r.pod, workload: rs.displayName, reason: r.reason) }
    }
    // The replacements first: the deletions run on background threads and would compete with them for the CPU.
    var created: [String] = []
    if plan.create > 0 {
      created = createPods(owner: rs, count: plan.create, labels: [:], status: &status)
    }
    for d in plan.delete {
      guard let v = owned.first(where: { $0.record.name == d.pod }) else { continue }
      let lost = !observed(v).active
      startDeletion(v, grace: lost ? 0 : nil)
      if !lost { status.event("Normal", "SuccessfulDelete", "Deleted pod: \(d.pod)") }
    }
    status.knownPods = (plan.keep + created).sorted()
    let active = observedPods.filter { $0.active && plan.keep.contains($0.name) }
    status.replicas = active.count + created.count
    status.readyReplicas = active.filter(\.ready).count
    status.availableReplicas = active.filter { $0.available(minReadySeconds: minReadySeconds ?? rs.spec.minReadySeconds, now: now) }.count
    status.observedGeneration = rs.generation
    if status != before { try store.saveStatus(status, p) }
  }

  /// Creates `count` pods of `owner` (an Indexed Job's: one per entry of `indexes`); stops at the first refusal
  /// (recorded once as an event and `pod.refused`).
  func createPods(owner: WorkloadObject, count: Int, labels: [String: String], indexes: [Int]? = nil, status: inout WorkloadStatus)
    -> [String]
  {
    var created: [String] = []
    do {
      let options = try makeOptions(owner.run)
      let factory = WorkloadPodFactory(root: paths.root, options: options)
      let template: ManifestObject
      if let t = templates[owner.manifest] {
        template = t
      } else {
        template = try WorkloadPodFactory.manifestObject(owner, root: paths.root)
        templates[owner.manifest] = template
      }
      for k in 0..<count {
        let index = indexes.map { $0[k] }
        // An Indexed Job's pods are `<job>-<index>-<5 characters>`, as the Job controller's generateName.
        let base = index.map { "\(owner.name)-\($0)" } ?? owner.name
        var name = TemplateHash.generateName(base)
        while FileManager.default.fileExists(atPath: manager.paths(owner.namespace, name).directory) {
          name = TemplateHash.generateName(base)
        }
        let record = try factory.build(owner: owner, template: template, name: name, labels: labels, completionIndex: index)
        let audit = try self.audit ?? PodAudit(root: paths.root)
        _ = try manager.admit(record: record, options: options, waitReady: 0, audit: audit)
        created.append(name)
        lastRefusal[owner.name] = nil
        status.event("Normal", "SuccessfulCreate", "Created pod: \(name)")
      }
    } catch let e as GarrisonError {
      if lastRefusal[owner.name] != e.description {
        lastRefusal[owner.name] = e.description
        status.event("Warning", "FailedCreate", "\(e)")
        if e.code == .refused || e.code == .unenforceable {
          auditing { try $0.refused(namespace: owner.namespace, name: owner.name + "-*", error: e) }
        }
        log("cannot create a pod: \(e)")
      }
    } catch {
      log("cannot create a pod: \(error)")
    }
    return created
  }

  /// Marks the pod terminating (`stop.json`) now and deletes it on a background thread (grace period, then
  /// cleanup), so a slow container never holds the workload's lock.
  func startDeletion(_ v: PodView, grace: Double?) {
    let name = v.record.name
    guard deletions.insert(name) else { return }
    let g = grace ?? Double(v.record.terminationGracePeriodSeconds)
    try? JSONFile.write(StopRequest(gracePeriodSeconds: g), to: v.paths.stopRequest)
    let manager = self.manager
    let ns = v.record.namespace
    let set = deletions
    Thread.detachNewThread {
      // Below the pods being started (and this process's passes): the cleanup's runtime commands inherit it.
      try? Kernel.setThreadNice(10)
      do { try manager.delete(ns, name, grace: g) } catch {
        FileHandle.standardError.write(Data("delete pod \(ns)/\(name): \(error)\n".utf8))
      }
      set.remove(name)
    }
  }

  // MARK: Job

  func reconcileJob(_ job: WorkloadObject, pods: [PodView]) throws -> Bool {
    var status = try store.status(paths)
    let before = status
    let now = Date()
    if status.startTime == nil { status.startTime = now }
    let owned = store.pods(ownedBy: job.uid, in: pods)
    watched += owned
    retryStaleDeletions(owned)
    let observedPods = owned.map(observed)
    let outcome = JobDecision.decide(
      completions: job.spec.completions, parallelism: job.spec.parallelism, backoffLimit: job.spec.backoffLimit,
      activeDeadlineSeconds: job.spec.activeDeadlineSeconds, restartPolicy: job.spec.restartPolicy, pods: observedPods,
      startTime: status.startTime!, now: now, alreadyFinished: status.condition, indexed: job.spec.indexed,
      podFailurePolicy: job.spec.podFailurePolicy, namespace: job.namespace)
    for name in outcome.stop {
      if let v = owned.first(where: { $0.record.name == name }) { startDeletion(v, grace: nil) }
    }
    var created: [String] = []
    if outcome.create > 0 {
      let labels = [
        "job-name": job.name, "batch.kubernetes.io/job-name": job.name,
        "controller-uid": job.uid, "batch.kubernetes.io/controller-uid": job.uid,
      ]
      created = createPods(
        owner: job, count: outcome.create, labels: labels,
        indexes: job.spec.indexed ? outcome.createIndexes : nil, status: &status)
    }
    status.completedIndexes = outcome.completedIndexes
    status.active = outcome.active + created.count
    status.succeeded = outcome.succeeded
    status.failed = outcome.failed
    if status.condition == nil, let c = outcome.condition {
      status.condition = c
      status.conditionReason = outcome.reason
      status.conditionMessage = outcome.message
      status.completionTime = now
      status.event(
        c == "Complete" ? "Normal" : "Warning", c == "Complete" ? "Completed" : (outcome.reason ?? "Failed"),
        outcome.message ?? "Job completed")
    }
    status.observedGeneration = job.generation
    if status != before { try store.saveStatus(status, paths) }
    guard status.condition != nil else { return false }
    guard let ttl = job.spec.ttlSecondsAfterFinished else { return outcome.stop.isEmpty }
    if let done = status.completionTime, now.timeIntervalSince(done) >= Double(ttl) {
      // ttlSecondsAfterFinished: the Job and its pods go (cascading).
      for v in owned { startDeletion(v, grace: 0) }
      while !deletions.isEmpty { usleep(50_000) }
      try store.remove(paths)
      return true
    }
    return false
  }
}

extension WorkloadController {
  /// `delete --cascade=foreground`: every pod the workload (and a Deployment's ReplicaSets) owns is deleted, and
  /// only once none is left are the ReplicaSets and the object removed. True when done.
  func finishForegroundDeletion(_ o: WorkloadObject, pods: [PodView]) throws -> Bool {
    let sets =
      o.kind == "Deployment"
      ? try store.list(kind: "ReplicaSet", namespace: o.namespace).filter { $0.ownerReferences.contains { $0.uid == o.uid } } : []
    let uids = Set([o.uid] + sets.map(\.uid))
    let owned = pods.filter { v in v.record.ownerReferences?.contains { uids.contains($0.uid) } ?? false }
    watched += owned
    for v in owned { startDeletion(v, grace: o.deletionGracePeriodSeconds) }
    guard owned.isEmpty && deletions.isEmpty else { return false }
    for rs in sets { try store.remove(store.paths(rs.namespace, "ReplicaSet", rs.name)) }
    // object.json first: from then on every reader sees the workload gone, before its directory is.
    guard unlink(paths.object) == 0 || errno == ENOENT else {
      throw GarrisonError(.system, operation: "unlink", "cannot remove \(paths.object)", errno: errno)
    }
    try store.remove(paths)
    return true
  }
}

/// Names of pods being deleted by this process (shared with the deletion threads).
final class DeletionSet: @unchecked Sendable {
  private let lock = NSLock()
  private var names: Set<String> = []
  var isEmpty: Bool { lock.lock(); defer { lock.unlock() }; return names.isEmpty }
  func contains(_ n: String) -> Bool { lock.lock(); defer { lock.unlock() }; return names.contains(n) }
  /// False when already present.
  func insert(_ n: String) -> Bool { lock.lock(); defer { lock.unlock() }; return names.insert(n).inserted }
  func remove(_ n: String) { lock.lock(); defer { lock.unlock() }; names.remove(n) }
}
