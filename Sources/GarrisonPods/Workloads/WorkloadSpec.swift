import GarrisonCore
import GarrisonManifest

/// `intstr.IntOrString` as `maxSurge`/`maxUnavailable` use it: a count or a percentage of the replicas.
public enum IntOrPercent: Codable, Sendable, Equatable, CustomStringConvertible {
  case count(Int)
  case percent(Int)

  /// apimachinery `GetScaledValueFromIntOrPercent`: a percentage of `total`, rounded up or down.
  public func scaled(_ total: Int, roundUp: Bool) -> Int {
    switch self {
    case .count(let n): return n
    case .percent(let p):
      let product = p * total
      return roundUp ? (product + 99) / 100 : product / 100
    }
  }

  public var description: String {
    switch self {
    case .count(let n): return "\(n)"
    case .percent(let p): return "\(p)%"
    }
  }

  static func parse(_ v: JSONValue?, field: String, at: (String) -> SourceLocation) throws -> IntOrPercent? {
    guard let v, v != .null else { return nil }
    if let i = v.intValue {
      guard i >= 0 else {
        throw GarrisonError(.invalid, "Invalid value: \(i): must be greater than or equal to 0", field: FieldPath(field), at: at(field))
      }
      return .count(Int(i))
    }
    if let s = v.stringValue, s.hasSuffix("%"), let p = Int(s.dropLast()), p >= 0 {
      guard p <= 100 else {
        throw GarrisonError(.invalid, "Invalid value: \"\(s)\": must not be greater than 100%", field: FieldPath(field), at: at(field))
      }
      return .percent(p)
    }
    throw GarrisonError(
      .invalid,
      "Invalid value: \(v.canonicalString): a valid percent string must be a numeric string followed by an ending '%' (e.g. '25%'), or an integer",
      field: FieldPath(field), at: at(field))
  }
}

/// The Deployment strategy: `RollingUpdate` (maxSurge, maxUnavailable; default 25% each) or `Recreate`.
public struct DeploymentStrategy: Codable, Sendable, Equatable {
  public var type: String
  public var maxSurge: IntOrPercent
  public var maxUnavailable: IntOrPercent
  public init(type: String = "RollingUpdate", maxSurge: IntOrPercent = .percent(25), maxUnavailable: IntOrPercent = .percent(25)) {
    self.type = type
    self.maxSurge = maxSurge
    self.maxUnavailable = maxUnavailable
  }

  /// deployment util `ResolveFenceposts`: surge rounds up, unavailable rounds down; both zero means one unavailable.
  public func fenceposts(replicas: Int) -> (surge: Int, unavailable: Int) {
    let surge = maxSurge.scaled(replicas, roundUp: true)
    var unavailable = maxUnavailable.scaled(replicas, roundUp: false)
    if surge == 0 && unavailable == 0 { unavailable = 1 }
    return (surge, unavailable)
  }
}

/// What a Deployment, ReplicaSet or Job asks for, read from its JSON with Kubernetes' defaults and validation.
/// The pod template itself stays JSON (`template`): pods are built from it by the same `PodBuilder` (compiler,
/// plan, fit check) as a naked pod.
public struct WorkloadSpec: Codable, Sendable, Equatable {
  public var kind: String
  public var replicas: Int
  public var selector: LabelSelector
  public var templateLabels: [String: String]
  public var templateAnnotations: [String: String]
  /// `spec.template` as canonical JSON.
  public var template: String
  public var minReadySeconds: Int
  // Deployment
  public var strategy: DeploymentStrategy
  public var revisionHistoryLimit: Int
  public var progressDeadlineSeconds: Int
  public var paused: Bool
  // Job
  public var completions: Int?
  public var parallelism: Int
  public var backoffLimit: Int
  public var activeDeadlineSeconds: Int?
  public var ttlSecondsAfterFinished: Int?
  public var restartPolicy: String
  /// `Indexed`, or nil for `NonIndexed`.
  public var completionMode: String?
  public var podFailurePolicy: PodFailurePolicy?

  /// `completionMode: Indexed`.
  public var indexed: Bool { completionMode == "Indexed" }

  /// The largest `completions` and `parallelism` of an Indexed Job (batch validation).
  static let maxIndexedJob = 100_000

  /// Kinds and the API versions `apply` runs them from.
  public static let apiVersions: [String: String] = ["Deployment": "apps/v1", "ReplicaSet": "apps/v1", "Job": "batch/v1"]

  /// Reads and validates the workload fields of `object` (exit 2 on an invalid value, with field and position).
  public static func parse(_ object: ManifestObject) throws -> WorkloadSpec {
    let kind = object.kind
    let at: (String) -> SourceLocation = { object.location(of: FieldPath($0)) }
    guard let want = apiVersions[kind], let json = object.source else {
      throw GarrisonError(.refused, "\(kind) is not run by garrison apply", field: FieldPath("kind"), at: object.location)
    }
    guard object.apiVersion == want else {
      throw GarrisonError(
        .invalid, "\(kind) is served as \(want), not \(object.apiVersion)", field: FieldPath("apiVersion"), at: at("apiVersion"))
    }
    let spec = json["spec"] ?? .null
    let template = spec["template"] ?? .null
    func int(_ v: JSONValue?, _ field: String, min: Int64 = 0) throws -> Int? {
      guard let v, v != .null else { return nil }
      guard let i = v.intValue else {
        throw GarrisonError(.invalid, "expected an integer, got \(v.canonicalString)", field: FieldPath(field), at: at(field))
      }
      guard i >= min else {
        throw GarrisonError(
          .invalid, "Invalid value: \(i): must be greater than or equal to \(min)", field: FieldPath(field), at: at(field))
      }
      guard i <= Int64(Int32.max) else {
        throw GarrisonError(.invalid, "Invalid value: \(i): must be no more than \(Int32.max)", field: FieldPath(field), at: at(field))
      }
      return Int(i)
    }
    let labels = object.pod?.metadata.labels ?? [:]
    var s = WorkloadSpec(
      kind: kind, replicas: 1, selector: LabelSelector(), templateLabels: labels,
      templateAnnotations: object.pod?.metadata.annotations ?? [:], template: template.canonicalString, minReadySeconds: 0,
      strategy: DeploymentStrategy(), revisionHistoryLimit: 10, progressDeadlineSeconds: 600, paused: false,
      completions: nil, parallelism: 1, backoffLimit: 6, activeDeadlineSeconds: nil, ttlSecondsAfterFinished: nil,
      restartPolicy: object.pod?.spec.restartPolicy ?? (kind == "Job" ? "" : "Always"))
    s.minReadySeconds = try int(spec["minReadySeconds"], "spec.minReadySeconds") ?? 0
    if let sel = spec["selector"], sel != .null {
      s.selector = try selector(sel, at: at)
    } else if kind != "Job" {
      throw GarrisonError(.invalid, "Required value", field: FieldPath("spec.selector"), at: at("spec"))
    }
    if kind != "Job" {
      if s.selector.isEmpty {
        throw GarrisonError(
          .invalid, "Invalid value: empty selector is invalid for deployment", field: FieldPath("spec.selector"), at: at("spec.selector"))
      }
      if !s.selector.matches(labels) {
        throw GarrisonError(
          .invalid, "Invalid value: \(Quoted.quoted(s.selector.description)): `selector` does not match template `labels`",
          field: FieldPath("spec.template.metadata.labels"), at: at("spec.template.metadata"))
      }
      guard s.restartPolicy == "Always" else {
        throw GarrisonError(
          .invalid, "Unsupported value: \"\(s.restartPolicy)\": supported values: \"Always\"",
          field: FieldPath("spec.template.spec.restartPolicy"), at: at("spec.template.spec.restartPolicy"))
      }
      s.replicas = try int(spec["replicas"], "spec.replicas") ?? 1
    }
    switch kind {
    case "Deployment":
      s.revisionHistoryLimit = try int(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit") ?? 10
      s.progressDeadlineSeconds = try int(spec["progressDeadlineSeconds"], "spec.progressDeadlineSeconds", min: 1) ?? 600
      if s.progressDeadlineSeconds <= s.minReadySeconds {
        throw GarrisonError(
          .invalid, "Invalid value: \(s.progressDeadlineSeconds): must be greater than minReadySeconds",
          field: FieldPath("spec.progressDeadlineSeconds"), at: at("spec.progressDeadlineSeconds"))
      }
      s.paused = spec["paused"]?.boolValue ?? false
      if let st = spec["strategy"], st != .null {
        let type = st["type"]?.stringValue ?? "RollingUpdate"
        guard type == "RollingUpdate" || type == "Recreate" else {
          throw GarrisonError(
            .invalid, "Unsupported value: \"\(type)\": supported values: \"Recreate\", \"RollingUpdate\"",
            field: FieldPath("spec.strategy.type"), at: at("spec.strategy.type"))
        }
        s.strategy.type = type
        if type == "Recreate" {
          if let ru = st["rollingUpdate"], ru != .null {
            throw GarrisonError(
              .invalid, "Forbidden: may not be specified when strategy `type` is 'Recreate'",
              field: FieldPath("spec.strategy.rollingUpdate"), at: at("spec.strategy.rollingUpdate"))
          }
        } else if let ru = st["rollingUpdate"], ru != .null {
          s.strategy.maxSurge =
            try IntOrPercent.parse(ru["maxSurge"], field: "spec.strategy.rollingUpdate.maxSurge", at: at) ?? .percent(25)
          s.strategy.maxUnavailable =
            try IntOrPercent.parse(ru["maxUnavailable"], field: "spec.strategy.rollingUpdate.maxUnavailable", at: at) ?? .percent(25)
          if s.strategy.maxSurge.scaled(100, roundUp: true) == 0 && s.strategy.maxUnavailable.scaled(100, roundUp: true) == 0 {
            throw GarrisonError(
              .invalid, "Invalid value: 0: may not be 0 when `maxSurge` is 0",
              field: FieldPath("spec.strategy.rollingUpdate.maxUnavailable"), at: at("spec.strategy.rollingUpdate"))
          }
        }
      }
    case "Job":
      guard s.restartPolicy == "OnFailure" || s.restartPolicy == "Never" else {
        throw GarrisonError(
          .invalid, "Required value: valid values: \"OnFailure\", \"Never\"", field: FieldPath("spec.template.spec.restartPolicy"),
          at: at("spec.template.spec"))
      }
      s.parallelism = try int(spec["parallelism"], "spec.parallelism") ?? 1
      s.completions = try int(spec["completions"], "spec.completions")
      s.backoffLimit = try int(spec["backoffLimit"], "spec.backoffLimit") ?? 6
      s.activeDeadlineSeconds = try int(spec["activeDeadlineSeconds"], "spec.activeDeadlineSeconds", min: 1)
      s.ttlSecondsAfterFinished = try int(spec["ttlSecondsAfterFinished"], "spec.ttlSecondsAfterFinished")
      if let m = spec["completionMode"], m != .null {
        guard let mode = m.stringValue, mode == "NonIndexed" || mode == "Indexed" else {
          throw GarrisonError(
            .invalid, "Unsupported value: \(m.canonicalString): supported values: \"Indexed\", \"NonIndexed\"",
            field: FieldPath("spec.completionMode"), at: at("spec.completionMode"))
        }
        if mode == "Indexed" {
          guard let c = s.completions else {
            throw GarrisonError(
              .invalid, "Required value: when completion mode is Indexed", field: FieldPath("spec.completions"), at: at("spec"))
          }
          for (field, v) in [("spec.completions", c), ("spec.parallelism", s.parallelism)] where v > maxIndexedJob {
            throw GarrisonError(
              .invalid, "Invalid value: \(v): must be less than or equal to \(maxIndexedJob) when completion mode is Indexed",
              field: FieldPath(field), at: at(field))
          }
          s.completionMode = mode
        }
      }
      if let p = spec["podFailurePolicy"], p != .null {
        guard s.restartPolicy == "Never" else {
          throw GarrisonError(
            .invalid, "Invalid value: \"\(s.restartPolicy)\": only \"Never\" is supported when podFailurePolicy is specified",
            field: FieldPath("spec.template.spec.restartPolicy"), at: at("spec.template.spec.restartPolicy"))
        }
        let names = Set(((object.pod?.spec.containers ?? []) + (object.pod?.spec.initContainers ?? [])).map(\.name))
        s.podFailurePolicy = try PodFailurePolicy.parse(p, containers: names, at: at)
      }
      if s.selector.isEmpty, spec["manualSelector"]?.boolValue != true {
        s.selector = LabelSelector()  // set to controller-uid once the Job has a uid
      }
    default:
      break
    }
    return s
  }

  /// `matchLabels` and `matchExpressions` (operators In, NotIn, Exists, DoesNotExist).
  static func selector(_ v: JSONValue, at: (String) -> SourceLocation) throws -> LabelSelector {
    var reqs: [LabelSelector.Requirement] = []
    if let ml = v["matchLabels"]?.objectValue {
      for (k, val) in ml.sorted(by: { $0.key < $1.key }) {
        guard let s = val.stringValue else {
          throw GarrisonError(
            .invalid, "expected a string", field: FieldPath("spec.selector.matchLabels").appending(key: k), at: at("spec.selector"))
        }
        reqs.append(.init(key: k, op: .in, values: [s]))
      }
    }
    for (i, e) in (v["matchExpressions"]?.arrayValue ?? []).enumerated() {
      let field = "spec.selector.matchExpressions[\(i)]"
      guard let key = e["key"]?.stringValue else {
        throw GarrisonError(.invalid, "Required value", field: FieldPath(field + ".key"), at: at(field))
      }
      let values = e["values"]?.stringArrayValue ?? []
      switch e["operator"]?.stringValue ?? "" {
      case "In", "NotIn":
        guard !values.isEmpty else {
          throw GarrisonError(
            .invalid, "Required value: must be specified when `operator` is 'In' or 'NotIn'", field: FieldPath(field + ".values"),
            at: at(field))
        }
        reqs.append(.init(key: key, op: e["operator"]?.stringValue == "In" ? .in : .notIn, values: values))
      case "Exists", "DoesNotExist":
        guard values.isEmpty else {
          throw GarrisonError(
            .invalid, "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'", field: FieldPath(field + ".values"),
            at: at(field))
        }
        reqs.append(.init(key: key, op: e["operator"]?.stringValue == "Exists" ? .exists : .doesNotExist))
      case let op:
        throw GarrisonError(
          .invalid, "Unsupported value: \"\(op)\": supported values: \"DoesNotExist\", \"Exists\", \"In\", \"NotIn\"",
          field: FieldPath(field + ".operator"), at: at(field))
      }
    }
    return LabelSelector(reqs)
  }
}
