import Foundation
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonManifest

/// The CLI's entry point to workloads: apply, scale, rollout edits, delete, and starting a controller when
/// none runs (after a `kill -9`, the next command starts one).
public struct WorkloadManager: Sendable {
  public let root: String
  public let store: WorkloadStore
  public let pods: PodManager
  public init(root: String) {
    self.root = root
    store = WorkloadStore(root: root)
    pods = PodManager(root: root)
  }

  // MARK: apply

  /// Applies a Deployment, ReplicaSet or Job: validates it, builds one pod from its template through the
  /// policy compiler (a refused template is refused here, exit 3, before anything exists), then creates or
  /// updates the stored object under its lock and makes sure its controller runs. `created`, `configured` or
  /// `unchanged`.
  public func apply(_ object: ManifestObject, run: WorkloadRunConfig, options: ApplyOptions) throws -> String {
    let audit = try PodAudit(root: root)
    guard let name = object.metadata.name else {
      throw GarrisonError(
        .invalid, "Required value: metadata.name (generateName is not supported)", field: FieldPath("metadata.name"), at: object.location)
    }
    try PodManager.checkNames(namespace: object.namespace, name: name)
    let spec = try WorkloadSpec.parse(object)
    let manifest = object.source?.canonicalString ?? "{}"
    let now = Date()
    let candidate = WorkloadObject(
      kind: object.kind, apiVersion: object.apiVersion, namespace: object.namespace, name: name, uid: UUID().uuidString.lowercased(),
      createdAt: now, labels: object.metadata.labels, annotations: object.metadata.annotations, ownerReferences: [], spec: spec,
      manifest: manifest, generation: 1, run: run)
    do {
      // The template must compile and be admissible now (policy, images, volumes, the fit check of one pod).
      // Built from the object as read from the user's file, so errors name its lines.
      let probe = try WorkloadPodFactory(root: root, options: options).build(
        owner: candidate, template: object, name: TemplateHash.generateName(name), labels: [:])
      if !options.skipFitCheck {
        let others = try pods.list(namespace: nil).filter { !$0.status.phase.isTerminal }.map(\.record.requests)
        try FitCheck.host().check(probe.requests, name: "\(object.namespace)/\(name) (one pod of \(object.kind))", others: others)
      }
    } catch let e as GarrisonError where e.code == .refused || e.code == .unenforceable {
      try audit.refused(namespace: object.namespace, name: name, error: e)
      throw e
    }
    let p = store.paths(object.namespace, object.kind, name)
    try store.ensureDirectory(p)
    // Under the workload's lock: two concurrent applies never make two objects (two uids, two pod sets).
    let (outcome, stored): (String, WorkloadObject) = try store.withLock(p) {
      guard var o = try store.object(object.namespace, object.kind, name) else {
        try store.save(candidate)
        return ("created", candidate)
      }
      if o.spec == spec && o.manifest == manifest && o.labels == candidate.labels && o.run == run { return ("unchanged", o) }
      if o.kind == "Job" && o.spec.template != spec.template {
        throw GarrisonError(
          .refused, "Job \(object.namespace)/\(name): spec.template: field is immutable; delete the Job first",
          field: FieldPath("spec.template"), at: object.location(of: FieldPath("spec.template")))
      }
      let from = o.spec.replicas
      o.spec = spec
      o.manifest = manifest
      o.labels = candidate.labels
      o.annotations.merge(object.metadata.annotations) { _, new in new }
      o.run = run
      o.generation += 1
      try store.save(o)
      if from != spec.replicas && o.kind != "Job" {
        try audit.workload(
          .workloadScaled, o, details: AuditDetails.workloadScaled(workload: o.displayName, from: from, to: spec.replicas, by: "apply"))
      }
      return ("configured", o)
    }
    try ensureController(stored)
    return outcome
  }

  // MARK: controllers

  /// Starts the workload's controller unless one runs (its `controller.lock` is held while it lives). Only
  /// top-level workloads have one (a Deployment's ReplicaSets are reconciled by the Deployment's).
  public func ensureController(_ o: WorkloadObject) throws {
    guard o.ownerReferences.isEmpty else { return }
    let p = store.paths(o.namespace, o.kind, o.name)
    if o.kind == "Job", o.deletionTimestamp == nil, o.spec.ttlSecondsAfterFinished == nil, (try store.status(p)).condition != nil { return }
    let fd = open(p.controllerLock, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open", "cannot open \(p.controllerLock)", errno: errno) }
    let free = flock(fd, LOCK_EX | LOCK_NB) == 0
    close(fd)
    guard free else { return }
    let log = open(p.controllerLog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard log >= 0 else { throw GarrisonError(.system, operation: "open", "cannot open \(p.controllerLog)", errno: errno) }
    defer { close(log) }
    var env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"]
    for key in ["GARRISON_POLICIES"] { if let v = ProcessInfo.processInfo.environment[key] { env.append("\(key)=\(v)") } }
    _ = try Spawn.start(
      [o.run.executable, "control", "--root", root, "--namespace", o.namespace, "--kind", o.kind, "--name", o.name],
      io: SpawnIO(stdout: log, stderr: log), newSession: true, environment: env)
  }

  /// Makes sure every workload (in a namespace, or all) has its controller: what "recovered on the next
  /// command" means after a controller was killed.
  public func ensureControllers(namespace: String?) throws {
    for o in try store.all(namespace: namespace) where o.ownerReferences.isEmpty { try ensureController(o) }
  }

  // MARK: edits

  /// Changes a workload under its lock (generation bumped) and makes sure its controller runs.
  @discardableResult
  public func update(_ kind: String, _ namespace: String, _ name: String, _ body: (inout WorkloadObject) throws -> Void) throws
    -> WorkloadObject
  {
    let p = store.paths(namespace, kind, name)
    guard try store.object(namespace, kind, name) != nil else { throw notFound(kind, namespace, name) }
    let o: WorkloadObject = try store.withLock(p) {
      guard var o = try store.object(namespace, kind, name) else { throw notFound(kind, namespace, name) }
      try body(&o)
      o.generation += 1
      try store.save(o)
      return o
    }
    try ensureController(o)
    return o
  }

  public func notFound(_ kind: String, _ namespace: String, _ name: String) -> GarrisonError {
    GarrisonError(
      .notFound,
      "\(WorkloadKinds.resource(kind).split(separator: ".")[0])s.\(WorkloadKinds.resource(kind).split(separator: ".")[1]) \"\(name)\" not found in namespace \(namespace)"
    )
  }

  /// `scale`: sets the replicas (Deployment, ReplicaSet) and records `workload.scaled`.
  public func scale(_ kind: String, _ namespace: String, _ name: String, replicas: Int) throws -> WorkloadObject {
    guard kind != "Job" else { throw GarrisonError(.usage, "jobs cannot be scaled (set spec.parallelism in the manifest)") }
    guard replicas >= 0 else { throw GarrisonError(.usage, "--replicas must be 0 or more") }
    var from = 0
    let o = try update(kind, namespace, name) { o in
      from = o.spec.replicas
      o.spec.replicas = replicas
    }
    try PodAudit(root: root).workload(
      .workloadScaled, o, details: AuditDetails.workloadScaled(workload: o.displayName, from: from, to: replicas, by: "scale"))
    return o
  }

  /// A Deployment's template replaced by `template` (JSON of `spec.template`): `rollout undo` and `restart`.
  public func setTemplate(_ namespace: String, _ name: String, _ edit: (WorkloadObject) throws -> JSONValue) throws -> WorkloadObject {
    try update("Deployment", namespace, name) { o in
      let template = try edit(o)
      let manifest = try JSONEdit.setting(o.manifest, ["spec", "template"], template)
      let r = ManifestLoader.parse(text: manifest, file: store.paths(namespace, "Deployment", name).object)
      if let e = r.errors.first { throw e }
      guard let obj = r.objects.first else { throw GarrisonError(.invalid, "the deployment's manifest does not load") }
      var spec = try WorkloadSpec.parse(obj)
      spec.replicas = o.spec.replicas
      o.spec = spec
      o.manifest = manifest
    }
  }

  /// `rollout undo [--to-revision N]`: the template of that revision's ReplicaSet (default: the previous one).
  public func undo(_ namespace: String, _ name: String, toRevision: Int?) throws -> WorkloadObject {
    guard let d = try store.object(namespace, "Deployment", name) else { throw notFound("Deployment", namespace, name) }
    let sets = try replicaSets(of: d).sorted { $0.revision < $1.revision }
    let current = sets.first { $0.templateHash == TemplateHash.compute(template: d.spec.template) }
    let target: WorkloadObject?
    if let toRevision, toRevision > 0 {
      target = sets.first { $0.revision == toRevision }
      guard target != nil else { throw GarrisonError(.notFound, "unable to find the specified revision \(toRevision)") }
    } else {
      target = sets.last { $0.revision < (current?.revision ?? Int.max) && $0.name != current?.name }
      guard target != nil else { throw GarrisonError(.notFound, "no rollout history found for deployment \"\(name)\"") }
    }
    guard let source = target?.sourceTemplate else { throw GarrisonError(.notFound, "revision has no template") }
    return try setTemplate(namespace, name) { _ in try JSONParser.parse(source) }
  }

  /// `rollout restart`: the template's `kubectl.kubernetes.io/restartedAt` annotation set to now.
  public func restart(_ namespace: String, _ name: String) throws -> WorkloadObject {
    try setTemplate(namespace, name) { o in
      var t = try JSONParser.parse(o.spec.template)
      JSONEdit.set(&t, ["metadata", "annotations", "kubectl.kubernetes.io/restartedAt"], .string(Timestamps.format(Date())))
      return t
    }
  }

  /// `apply --wait`: until a Deployment's rollout is complete, a ReplicaSet's replicas are ready, a Job has
  /// finished (exit 4 if it failed, or on the timeout).
  public func wait(_ kind: String, _ namespace: String, _ name: String, timeout: Double) throws {
    let p = store.paths(namespace, kind, name)
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
      guard let o = try store.object(namespace, kind, name) else { throw notFound(kind, namespace, name) }
      let s = try store.status(p)
      if s.observedGeneration >= o.generation {
        switch kind {
        case "Deployment":
          if s.condition == "Complete" { return }
          if s.conditionNamed("Progressing")?.reason == DeploymentProgress.progressDeadlineExceeded {
            throw GarrisonError(.system, "deployment \"\(name)\" exceeded its progress deadline")
          }
        case "ReplicaSet": if s.readyReplicas == o.spec.replicas && s.replicas == o.spec.replicas { return }
        default:
          if s.condition == "Complete" { return }
          if s.condition == "Failed" {
            throw GarrisonError(.system, "job \(namespace)/\(name) failed: \(s.conditionReason ?? "") \(s.conditionMessage ?? "")")
          }
        }
      }
      usleep(50_000)
    }
    throw GarrisonError(.timedOut, "timed out waiting for \(WorkloadKinds.resource(kind))/\(name)")
  }

  // MARK: read

  public func replicaSets(of d: WorkloadObject) throws -> [WorkloadObject] {
    try store.list(kind: "ReplicaSet", namespace: d.namespace).filter { $0.ownerReferences.contains { $0.uid == d.uid } }
  }

  /// The pods of a workload (a Deployment's: those of its ReplicaSets), oldest first.
  public func pods(of o: WorkloadObject) throws -> [PodView] {
    let all = try pods.list(namespace: o.namespace)
    var uids: Set<String> = [o.uid]
    if o.kind == "Deployment" { for rs in try replicaSets(of: o) { uids.insert(rs.uid) } }
    return all.filter { v in v.record.ownerReferences?.contains { uids.contains($0.uid) } ?? false }
      .sorted { $0.record.createdAt < $1.record.createdAt }
  }

  // MARK: delete

  /// Deletes a workload, as kubectl's `--cascade`:
  /// - `background` (default): the objects go first (their controller stops), then every pod they own is
  ///   deleted (in parallel; the command returns when they are gone);
  /// - `foreground`: the object is marked deleted (`deletionTimestamp`) and stays visible while its controller
  ///   deletes every dependent; it is removed last, and the command returns then (a killed command or
  ///   controller leaves the mark: the next controller finishes);
  /// - `orphan`: only the object goes. A Deployment's ReplicaSets stay, without their ownerReference, each with
  ///   a controller of its own (their pods keep running under them); a ReplicaSet's or Job's pods stay, their
  ///   ownerReferences removed.
  @discardableResult
  public func delete(_ kind: String, _ namespace: String, _ name: String, cascade: String = "background", grace: Double? = nil) throws
    -> Bool
  {
    guard let o = try store.object(namespace, kind, name) else { return false }
    let p = store.paths(namespace, kind, name)
    if cascade == "foreground" {
      let marked: WorkloadObject = try store.withLock(p) {
        guard var cur = try store.object(namespace, kind, name) else { return o }
        if cur.deletionTimestamp == nil {
          cur.deletionTimestamp = Date()
          cur.deletionGracePeriodSeconds = grace
          try store.save(cur)
        }
        return cur
      }
      // The controller does the deletion; one is started whenever none lives (never while one may be removing
      // the directory).
      while try store.object(namespace, kind, name) != nil {
        let controller = (try? JSONFile.read(ProcessRef.self, from: p.controller)) ?? nil
        if !(controller.map(ProcessProbe.isAlive) ?? false) {
          do { try ensureController(marked) } catch { if try store.object(namespace, kind, name) != nil { throw error } }
        }
        usleep(50_000)
      }
      return true
    }
    if let c = try JSONFile.read(ProcessRef.self, from: p.controller) { ProcessProbe.signal(c, SIGKILL) }
    var owned: [PodView] = []
    var orphaned: [WorkloadObject] = []
    try store.withLock(p) {
      var objects = [o]
      if kind == "Deployment" {
        let sets = try replicaSets(of: o)
        if cascade == "orphan" { orphaned = sets } else { objects += sets }
      }
      owned = try pods(of: o)
      for x in objects.reversed() { try store.remove(store.paths(x.namespace, x.kind, x.name)) }
    }
    if cascade == "orphan" {
      for var rs in orphaned {
        rs.ownerReferences.removeAll { $0.uid == o.uid }
        try store.save(rs)
        try ensureController(rs)
      }
      let kept = Set(orphaned.map(\.uid))
      for v in owned where !(v.record.ownerReferences?.contains { kept.contains($0.uid) } ?? false) {
        var r = v.record
        r.ownerReferences = nil
        try JSONFile.write(r, to: v.paths.record, mode: 0o600)
      }
      return true
    }
    let group = DispatchGroup()
    let failures = FailureList()
    for v in owned {
      let g = grace ?? Double(v.record.terminationGracePeriodSeconds)
      try? JSONFile.write(StopRequest(gracePeriodSeconds: g), to: v.paths.stopRequest)
      let manager = pods
      DispatchQueue.global().async(group: group) {
        do { try manager.delete(v.record.namespace, v.record.name, grace: g) } catch { failures.append("\(v.record.name): \(error)") }
      }
    }
    group.wait()
    // A pod directory whose removal hit a transiently busy mount point is retried once.
    let left = owned.filter { FileManager.default.fileExists(atPath: $0.paths.directory) }
    if !failures.items.isEmpty && !left.isEmpty {
      usleep(500_000)
      failures.clear()
      for v in left {
        do { try pods.delete(v.record.namespace, v.record.name, grace: 0) } catch { failures.append("\(v.record.name): \(error)") }
      }
    }
    if !failures.items.isEmpty {
      throw GarrisonError(
        .system, operation: "delete", "pods of \(kind) \(namespace)/\(name) not all deleted: " + failures.items.joined(separator: "; "))
    }
    return true
  }
}

/// Errors collected from parallel deletions.
final class FailureList: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [String] = []
  func append(_ s: String) { lock.lock(); list.append(s); lock.unlock() }
  func clear() { lock.lock(); list.removeAll(); lock.unlock() }
  var items: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
