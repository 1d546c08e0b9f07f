import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `garrison get deployments|replicasets|jobs`: kubectl's columns, `-o wide|json|yaml`, `-l`, `--show-labels`.
struct WorkloadGet {
  var root: String
  var ns: NamespaceOption
  var kind: String
  var name: String?
  var output: String?
  var selector: LabelSelector?
  var showLabels: Bool

  /// Starts the controllers that are gone (`kill -9`): every command that reads workloads recovers them.
  static func recoverControllers(root: String, namespace: String?) {
    guard FileManager.default.fileExists(atPath: WorkloadPaths.base(root)) else { return }
    do { try WorkloadManager(root: root).ensureControllers(namespace: namespace) } catch {
      FileHandle.standardError.write(Data("warning: cannot start a workload controller: \(error)\n".utf8))
    }
  }

  static func labels(_ l: [String: String]) -> String {
    l.isEmpty ? "<none>" : l.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
  }

  func run() throws {
    Self.recoverControllers(root: root, namespace: ns.selected)
    let manager = WorkloadManager(root: root)
    var objects: [WorkloadObject]
    if let name {
      guard let o = try manager.store.object(ns.single, kind, name) else { throw manager.notFound(kind, ns.single, name) }
      objects = [o]
    } else {
      objects = try manager.store.list(kind: kind, namespace: ns.selected)
    }
    if let selector { objects = objects.filter { selector.matches($0.labels) } }
    let statuses = try objects.map { try manager.store.status(manager.store.paths($0.namespace, $0.kind, $0.name)) }
    switch output {
    case "json", "yaml":
      let docs = zip(objects, statuses).map { WorkloadDocument.make($0, $1) }
      let value: JSONValue = name != nil ? docs[0] : ["apiVersion": "v1", "kind": "List", "items": .array(docs)]
      if output == "json" {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try enc.encode(value), as: UTF8.self))
      } else {
        print(YAMLEmitter.emit(value), terminator: "")
      }
    case nil, "wide":
      if objects.isEmpty {
        FileHandle.standardError.write(Data("No resources found\(ns.selected.map { " in \($0) namespace" } ?? "").\n".utf8))
        return
      }
      let wide = output == "wide"
      var header = ns.selected == nil ? ["NAMESPACE"] : []
      switch kind {
      case "Deployment": header += ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
      case "ReplicaSet": header += ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
      default: header += ["NAME", "COMPLETIONS", "DURATION", "AGE"]
      }
      if wide { header += ["CONTAINERS", "IMAGES", "SELECTOR"] }
      if showLabels { header.append("LABELS") }
      var rows = [header]
      for (o, s) in zip(objects, statuses) {
        var row = ns.selected == nil ? [o.namespace] : []
        switch kind {
        case "Deployment":
          row += [
            o.name, "\(s.readyReplicas)/\(o.spec.replicas)", "\(s.updatedReplicas)", "\(s.availableReplicas)", PodCLI.age(o.createdAt),
          ]
        case "ReplicaSet":
          row += [o.name, "\(o.spec.replicas)", "\(s.replicas)", "\(s.readyReplicas)", PodCLI.age(o.createdAt)]
        default:
          let duration = s.startTime.map { start in WorkloadGet.duration((s.completionTime ?? Date()).timeIntervalSince(start)) } ?? ""
          row += [o.name, "\(s.succeeded)/\(o.spec.completions ?? 1)", duration, PodCLI.age(o.createdAt)]
        }
        if wide {
          let (names, images) = Self.containers(o)
          var sel = o.spec.selector.description
          if o.kind == "Job" && sel.isEmpty { sel = "controller-uid=\(o.uid)" }
          row += [names, images, sel.isEmpty ? "<none>" : sel]
        }
        if showLabels { row.append(Self.labels(o.labels)) }
        rows.append(row)
      }
      print(PodCLI.table(rows), terminator: "")
    default:
      throw GarrisonError(.usage, "unknown output format \"\(output!)\" (wide, json, yaml)")
    }
  }

  /// The template's container names and images, comma-separated.
  static func containers(_ o: WorkloadObject) -> (String, String) {
    let t = try? JSONParser.parse(o.spec.template)
    let cs = t?["spec"]?["containers"]?.arrayValue ?? []
    return (
      cs.compactMap { $0["name"]?.stringValue }.joined(separator: ","), cs.compactMap { $0["image"]?.stringValue }.joined(separator: ",")
    )
  }

  /// kubectl's job DURATION (`HumanDuration`-like: 45s, 3m12s, 2h5m).
  /// `spec.podFailurePolicy` as the API prints it.
  static func json(_ p: PodFailurePolicy) -> JSONValue {
    .object([
      "rules": .array(
        p.rules.map { r -> JSONValue in
          var rule: [String: JSONValue] = ["action": .string(r.action.rawValue)]
          if let e = r.onExitCodes {
            var x: [String: JSONValue] = [
              "operator": .string(e.notIn ? "NotIn" : "In"), "values": .array(e.values.map { .integer(Int($0)) }),
            ]
            if let n = e.containerName { x["containerName"] = .string(n) }
            rule["onExitCodes"] = .object(x)
          } else {
            rule["onPodConditions"] = .array(r.onPodConditions.map { ["type": .string($0.type), "status": .string($0.status)] })
          }
          return .object(rule)
        })
    ])
  }

  static func duration(_ t: Double) -> String {
    let s = Int(t)
    if s < 120 { return "\(max(0, s))s" }
    if s < 3600 { return "\(s / 60)m\(s % 60 == 0 ? "" : "\(s % 60)s")" }
    return "\(s / 3600)h\((s % 3600) / 60)m"
  }
}

/// A Kubernetes-shaped Deployment, ReplicaSet or Job document (`-o json|yaml`).
enum WorkloadDocument {
  static func make(_ o: WorkloadObject, _ s: WorkloadStatus) -> JSONValue {
    var meta: [String: JSONValue] = [
      "name": .string(o.name), "namespace": .string(o.namespace), "uid": .string(o.uid),
      "creationTimestamp": .string(Timestamps.format(o.createdAt)), "generation": .integer(o.generation),
    ]
    if !o.labels.isEmpty { meta["labels"] = .object(o.labels.mapValues { .string($0) }) }
    var annotations = o.annotations
    if o.kind == "Deployment", let r = s.rolloutRevision { annotations[WorkloadObject.revisionAnnotation] = String(r) }
    if !annotations.isEmpty { meta["annotations"] = .object(annotations.mapValues { .string($0) }) }
    if !o.ownerReferences.isEmpty {
      meta["ownerReferences"] = .array(
        o.ownerReferences.map { r -> JSONValue in
          [
            "apiVersion": .string(r.apiVersion), "kind": .string(r.kind), "name": .string(r.name), "uid": .string(r.uid),
            "controller": .bool(r.controller), "blockOwnerDeletion": true,
          ]
        })
    }
    var spec: [String: JSONValue] = ["template": (try? JSONParser.parse(o.spec.template)) ?? .null]
    var sel: [String: JSONValue] = [:]
    var matchLabels: [String: JSONValue] = [:]
    var exprs: [JSONValue] = []
    for r in o.spec.selector.requirements {
      if r.op == .in && r.values.count == 1 {
        matchLabels[r.key] = .string(r.values[0])
      } else {
        let op = ["in": "In", "notIn": "NotIn", "exists": "Exists", "doesNotExist": "DoesNotExist"][r.op.rawValue] ?? r.op.rawValue
        exprs.append(["key": .string(r.key), "operator": .string(op), "values": .strings(r.values)])
      }
    }
    if !matchLabels.isEmpty { sel["matchLabels"] = .object(matchLabels) }
    if !exprs.isEmpty { sel["matchExpressions"] = .array(exprs) }
    if !sel.isEmpty { spec["selector"] = .object(sel) }
    var status: [String: JSONValue] = ["observedGeneration": .integer(s.observedGeneration)]
    switch o.kind {
    case "Job":
      spec["parallelism"] = .integer(o.spec.parallelism)
      if let c = o.spec.completions { spec["completions"] = .integer(c) }
      spec["backoffLimit"] = .integer(o.spec.backoffLimit)
      if let d = o.spec.activeDeadlineSeconds { spec["activeDeadlineSeconds"] = .integer(d) }
      if let t = o.spec.ttlSecondsAfterFinished { spec["ttlSecondsAfterFinished"] = .integer(t) }
      spec["completionMode"] = .string(o.spec.completionMode ?? "NonIndexed")
      if let policy = o.spec.podFailurePolicy { spec["podFailurePolicy"] = WorkloadGet.json(policy) }
      if let ci = s.completedIndexes, !ci.isEmpty { status["completedIndexes"] = .string(ci) }
      status["active"] = .integer(s.active)
      status["succeeded"] = .integer(s.succeeded)
      status["failed"] = .integer(s.failed)
      if let t = s.startTime { status["startTime"] = .string(Timestamps.format(t)) }
      if let t = s.completionTime, s.condition == "Complete" { status["completionTime"] = .string(Timestamps.format(t)) }
      if let c = s.condition {
        status["conditions"] = [
          ["type": .string(c), "status": "True", "reason": .optional(s.conditionReason), "message": .optional(s.conditionMessage)]
        ]
      }
    default:
      spec["replicas"] = .integer(o.spec.replicas)
      spec["minReadySeconds"] = .integer(o.spec.minReadySeconds)
      status["replicas"] = .integer(s.replicas)
      status["readyReplicas"] = .integer(s.readyReplicas)
      status["availableReplicas"] = .integer(s.availableReplicas)
      if o.kind == "Deployment" {
        spec["revisionHistoryLimit"] = .integer(o.spec.revisionHistoryLimit)
        spec["progressDeadlineSeconds"] = .integer(o.spec.progressDeadlineSeconds)
        if o.spec.paused { spec["paused"] = true }
        var strategy: [String: JSONValue] = ["type": .string(o.spec.strategy.type)]
        if o.spec.strategy.type == "RollingUpdate" {
          func v(_ x: IntOrPercent) -> JSONValue { if case .count(let n) = x { return .integer(n) }; return .string(x.description) }
          strategy["rollingUpdate"] = ["maxSurge": v(o.spec.strategy.maxSurge), "maxUnavailable": v(o.spec.strategy.maxUnavailable)]
        }
        spec["strategy"] = .object(strategy)
        status["updatedReplicas"] = .integer(s.updatedReplicas)
        status["unavailableReplicas"] = .integer(max(0, o.spec.replicas - s.availableReplicas))
        if let conds = s.conditions, !conds.isEmpty {
          status["conditions"] = .array(
            conds.map { c -> JSONValue in
              [
                "type": .string(c.type), "status": .string(c.status), "reason": .string(c.reason), "message": .string(c.message),
                "lastUpdateTime": .string(Timestamps.format(c.lastUpdateTime)),
                "lastTransitionTime": .string(Timestamps.format(c.lastTransitionTime)),
              ]
            })
        }
      }
    }
    return [
      "apiVersion": .string(o.apiVersion), "kind": .string(o.kind), "metadata": .object(meta), "spec": .object(spec),
      "status": .object(status),
    ]
  }
}
