import Foundation

/// How the pods of a workload are run: the `apply` options that were in force, so a controller started later
/// builds every pod exactly as `apply` would have built a naked one.
public struct WorkloadRunConfig: Codable, Sendable, Equatable {
  public var runtimePath: String
  /// `--rootfs DIR`, or nil for the image store.
  public var rootfs: String?
  public var network: NetworkConfig
  public var backoffBase: Double
  public var seccompDefault: Bool
  public var policies: String?
  /// The garrison executable (supervisors and controllers run it).
  public var executable: String
  public init(
    runtimePath: String, rootfs: String?, network: NetworkConfig, backoffBase: Double, seccompDefault: Bool,
    policies: String?, executable: String
  ) {
    self.runtimePath = runtimePath
    self.rootfs = rootfs
    self.network = network
    self.backoffBase = backoffBase
    self.seccompDefault = seccompDefault
    self.policies = policies
    self.executable = executable
  }
}

/// A Deployment, ReplicaSet or Job as stored under `<root>/workloads/<ns>/<plural>/<name>/object.json`: its
/// identity, labels and annotations, the parsed spec and the object's JSON (pods are built from it).
public struct WorkloadObject: Codable, Sendable, Equatable {
  public var kind: String
  public var apiVersion: String
  public var namespace: String
  public var name: String
  public var uid: String
  public var createdAt: Date
  public var labels: [String: String]
  public var annotations: [String: String]
  public var ownerReferences: [OwnerReference]
  public var spec: WorkloadSpec
  /// The object's canonical JSON (for a Deployment's ReplicaSet: a ReplicaSet built from the template).
  public var manifest: String
  /// Bumped on every spec change (`metadata.generation`).
  public var generation: Int
  public var run: WorkloadRunConfig
  /// A Deployment's ReplicaSet: the Deployment's `spec.template` it was made from (`rollout undo` restores it).
  public var sourceTemplate: String?
  /// Set by `delete --cascade=foreground`: the controller deletes every dependent (with this grace period, or
  /// each pod's own) and removes the object last.
  public var deletionTimestamp: Date?
  public var deletionGracePeriodSeconds: Double?

  /// `deployment.kubernetes.io/revision`.
  public static let revisionAnnotation = "deployment.kubernetes.io/revision"
  public var revision: Int { Int(annotations[Self.revisionAnnotation] ?? "") ?? 0 }
  /// The `pod-template-hash` label of a Deployment's ReplicaSet.
  public var templateHash: String? { labels["pod-template-hash"] }
  public var reference: OwnerReference { OwnerReference(apiVersion: apiVersion, kind: kind, name: name, uid: uid) }
  /// `kind/name` as kubectl prints it (`deployment.apps/web`).
  public var displayName: String { "\(WorkloadKinds.resource(kind))/\(name)" }
}

/// What a controller last observed and decided (`status.json`), as `get` and `describe` show it.
public struct WorkloadStatus: Codable, Sendable, Equatable {
  public var observedGeneration: Int = 0
  public var replicas: Int = 0
  public var updatedReplicas: Int = 0
  public var readyReplicas: Int = 0
  public var availableReplicas: Int = 0
  /// Pods this controller saw last time (a pod missing now was deleted by someone else).
  public var knownPods: [String] = []
  /// Deployment: the revision a rollout was last started for and completed at.
  public var rolloutRevision: Int?
  public var completedRevision: Int?
  /// Job.
  public var active: Int = 0
  public var succeeded: Int = 0
  public var failed: Int = 0
  public var startTime: Date?
  public var completionTime: Date?
  /// `Complete`, `Failed` (Job), `Available`/`Progressing` text for a Deployment.
  public var condition: String?
  public var conditionReason: String?
  public var conditionMessage: String?
  /// Indexed Job: the succeeded indexes (`0-2,4`).
  public var completedIndexes: String?
  /// Deployment: `Available` and `Progressing` as the Deployment controller keeps them (`DeploymentProgress`).
  public var conditions: [WorkloadCondition]?
  public var events: [PodEvent] = []
  public init() {}

  /// The condition of that type, if any.
  public func conditionNamed(_ type: String) -> WorkloadCondition? { conditions?.first { $0.type == type } }

  /// Sets (or with nil removes) the condition of `type`.
  mutating func setCondition(_ type: String, _ c: WorkloadCondition?) {
    var list = (conditions ?? []).filter { $0.type != type }
    if let c { list.append(c) }
    conditions = list.sorted { $0.type < $1.type }
  }

  mutating func event(_ type: String, _ reason: String, _ message: String) {
    events.append(PodEvent(type: type, reason: reason, message: message))
    if events.count > 100 { events.removeFirst(events.count - 100) }
  }
}

/// Names of the workload kinds: the resource names kubectl accepts for them.
public enum WorkloadKinds {
  public static let aliases: [String: String] = [
    "deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
    "deployment.apps": "Deployment", "deployments.apps": "Deployment",
    "replicaset": "ReplicaSet", "replicasets": "ReplicaSet", "rs": "ReplicaSet",
    "replicaset.apps": "ReplicaSet", "replicasets.apps": "ReplicaSet",
    "job": "Job", "jobs": "Job", "job.batch": "Job", "jobs.batch": "Job",
  ]
  /// The kind a resource name on the command line means, or nil.
  public static func kind(_ resource: String) -> String? { aliases[resource.lowercased()] }
  /// The directory name (plural) of a kind.
  public static func plural(_ kind: String) -> String { kind.lowercased() + "s" }
  /// `deployment.apps`, `replicaset.apps`, `job.batch`.
  public static func resource(_ kind: String) -> String { kind == "Job" ? "job.batch" : kind.lowercased() + ".apps" }
  /// Splits `deployment/web` into its kind and name.
  public static func split(_ argument: String) -> (kind: String, name: String)? {
    let parts = argument.split(separator: "/", maxSplits: 1).map(String.init)
    guard parts.count == 2, let k = kind(parts[0]) else { return nil }
    return (k, parts[1])
  }
}

/// The layout of one workload's state: `<root>/workloads/<ns>/<plural>/<name>/`.
public struct WorkloadPaths: Sendable, Equatable {
  public let root: String
  public let namespace: String
  public let kind: String
  public let name: String
  public init(root: String, namespace: String, kind: String, name: String) {
    self.root = root
    self.namespace = namespace
    self.kind = kind
    self.name = name
  }
  public static func base(_ root: String) -> String { root + "/workloads" }
  public static func kindDirectory(root: String, namespace: String, kind: String) -> String {
    "\(base(root))/\(namespace)/\(WorkloadKinds.plural(kind))"
  }
  public var directory: String { Self.kindDirectory(root: root, namespace: namespace, kind: kind) + "/" + name }
  public var object: String { directory + "/object.json" }
  public var status: String { directory + "/status.json" }
  /// Held (flock) by whoever changes the workload or its pods: controller, apply, scale, rollout, delete.
  public var lock: String { directory + "/lock" }
  /// Held by the running controller for its whole life (a second one exits; a dead one's lock is free).
  public var controllerLock: String { directory + "/controller.lock" }
  public var controller: String { directory + "/controller.json" }
  public var controllerLog: String { directory + "/controller.log" }
}
