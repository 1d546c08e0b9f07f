import GarrisonCore

/// The pod inside an object: a Pod's own spec, or a workload's pod template.
public struct PodTemplate: Equatable, Sendable {
  /// The pod's metadata (for a workload: `spec.template.metadata`), where AppArmor annotations live.
  public var metadata: ObjectMeta
  public var spec: PodSpec
  /// Path of the pod spec in the object (`spec`, `spec.template.spec`, `spec.jobTemplate.spec.template.spec`).
  public var specPath: FieldPath
  /// Path of the pod metadata in the object.
  public var metadataPath: FieldPath
  /// The pod spec as written, as the JSON the API server would store (`get pods -o json` shows it).
  public var specJSON: JSONValue = .object([:])
}

/// One Kubernetes object from a manifest, with every field's source position.
public struct ManifestObject: Sendable {
  public var apiVersion: String
  public var kind: String
  public var metadata: ObjectMeta
  /// Where the object starts (`file:line:col`).
  public var location: SourceLocation
  /// The pod this object runs, if its kind has one.
  public var pod: PodTemplate?
  /// `data` and `stringData` of a ConfigMap or Secret (Secret `data` stays base64 as written).
  public var data: [String: String] = [:]
  public var stringData: [String: String] = [:]
  /// The whole object as JSON, for the workload kinds `apply` runs controllers for (Deployment, ReplicaSet,
  /// Job): their own fields (replicas, strategy, ...) are read from it, and the template is hashed from it.
  public var source: JSONValue?
  /// Where the fields are written (the position of a field's key, or of a list item).
  let positions: FieldPositions
  /// Kubernetes API-validation errors (the API server would refuse the object). Such an object is still
  /// modelled as far as it could be read: lint reports these errors and checks the rest; every command that acts
  /// on objects refuses it. Loaded objects with errors are in `LoadResult.partial`, never in `objects`.
  public var validationErrors: [GarrisonError] = []

  /// The namespace, `default` when none is given.
  public var namespace: String { metadata.namespace ?? "default" }
  /// The name (or `generateName` + `*`).
  public var name: String { metadata.name ?? ((metadata.generateName ?? "") + "*") }
  /// `Kind/namespace/name`, for messages.
  public var reference: String { "\(kind)/\(namespace)/\(name)" }

  /// The position of `path`, or of its nearest ancestor that is present in the source.
  public func location(of path: FieldPath) -> SourceLocation {
    if path.steps.isEmpty { return location }
    return positions.nearest(path) ?? location
  }

  /// Whether the field at `path` is written in the source.
  public func isPresent(_ path: FieldPath) -> Bool { positions.location(of: path) != nil }
}

/// The kinds Garrison reads, and where each keeps its pod.
public enum WorkloadKind {
  /// Kind → path from the object root to the pod template (`nil`: the object is itself a Pod).
  static let templatePaths: [String: [String]] = [
    "Pod": [],
    "Deployment": ["spec", "template"],
    "ReplicaSet": ["spec", "template"],
    "StatefulSet": ["spec", "template"],
    "DaemonSet": ["spec", "template"],
    "ReplicationController": ["spec", "template"],
    "Job": ["spec", "template"],
    "CronJob": ["spec", "jobTemplate", "spec", "template"],
    "PodTemplate": ["template"],
  ]

  /// Kinds that carry no pod but may appear beside pods; read for metadata (and data) only.
  static let podlessKinds: Set<String> = [
    "Namespace", "ConfigMap", "Secret", "Service", "ServiceAccount", "Role", "RoleBinding", "ClusterRole",
    "ClusterRoleBinding", "Ingress", "IngressClass", "NetworkPolicy", "PersistentVolumeClaim", "PersistentVolume",
    "HorizontalPodAutoscaler", "PodDisruptionBudget", "LimitRange", "ResourceQuota", "StorageClass",
    "CustomResourceDefinition", "Endpoints", "EndpointSlice", "PriorityClass", "RuntimeClass",
  ]

  /// The workload kinds `garrison apply` runs a controller for.
  public static let controlled: Set<String> = ["Deployment", "ReplicaSet", "Job"]

  /// Whether a kind carries a pod.
  public static func hasPod(_ kind: String) -> Bool { templatePaths[kind] != nil }
  /// Every kind Garrison knows.
  public static var known: Set<String> { allKnown }
  private static let allKnown: Set<String> = Set(templatePaths.keys).union(podlessKinds).union(["List"])
}

/// An object of a kind Garrison does not model (a custom resource, a Service, a webhook configuration): valid
/// Kubernetes input that `lint`, `explain` and `compile` count and skip, and `apply` refuses to run.
public struct SkippedObject: Sendable, Equatable {
  public var apiVersion: String
  public var kind: String
  public var name: String?
  public var location: SourceLocation
  public init(apiVersion: String, kind: String, name: String?, location: SourceLocation) {
    self.apiVersion = apiVersion
    self.kind = kind
    self.name = name
    self.location = location
  }
}
