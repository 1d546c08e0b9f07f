import Foundation

/// The Deployment controller's decision, pure: (spec, the template's hash, its ReplicaSets as observed, clock) →
/// ReplicaSets to create, scale and delete, and the Deployment's status. Kubernetes' rolling update
/// (`reconcileNewReplicaSet`, `reconcileOldReplicaSets` with its unhealthy-first clean-up) and Recreate, one
/// step per call: the executor applies the actions, pods follow, the next call continues.
public enum DeploymentDecision {
  /// A ReplicaSet as the decision sees it.
  public struct ObservedRS: Sendable, Equatable {
    public var name: String
    public var hash: String
    /// `spec.replicas`.
    public var replicas: Int
    public var revision: Int
    /// Pods that exist, terminating ones included.
    public var pods: Int
    /// Active pods (counted as replicas), ready ones, available ones.
    public var active: Int
    public var ready: Int
    public var available: Int
    public init(
      name: String, hash: String, replicas: Int, revision: Int, pods: Int = 0, active: Int = 0, ready: Int = 0, available: Int = 0
    ) {
      self.name = name
      self.hash = hash
      self.replicas = replicas
      self.revision = revision
      self.pods = pods
      self.active = active
      self.ready = ready
      self.available = available
    }
  }

  public enum Action: Sendable, Equatable {
    /// A new ReplicaSet for the current template, with its revision and initial replicas.
    case create(hash: String, replicas: Int, revision: Int)
    case scale(name: String, replicas: Int)
    /// An old ReplicaSet adopted again (`rollout undo`): it gets the next revision.
    case setRevision(name: String, revision: Int)
    /// Beyond `revisionHistoryLimit`, scaled to zero and without pods.
    case delete(name: String)
  }

  public struct Outcome: Sendable, Equatable {
    public var actions: [Action] = []
    public var replicas = 0
    public var updated = 0
    public var ready = 0
    public var available = 0
    /// The current template's revision.
    public var revision = 0
    /// Every replica updated and available, every old ReplicaSet at zero.
    public var complete = false
    public init() {}
  }

  public static func decide(
    replicas: Int, strategy: DeploymentStrategy, revisionHistoryLimit: Int, paused: Bool,
    hash: String, replicaSets: [ObservedRS]
  ) -> Outcome {
    var out = Outcome()
    var all = replicaSets
    let maxRevision = all.map(\.revision).max() ?? 0
    var newIndex = all.firstIndex { $0.hash == hash }
    if newIndex == nil && !paused {
      let initial = strategy.type == "Recreate" || all.isEmpty ? (all.allSatisfy { $0.pods == 0 } ? replicas : 0) : 0
      out.actions.append(.create(hash: hash, replicas: initial, revision: maxRevision + 1))
      all.append(ObservedRS(name: "", hash: hash, replicas: initial, revision: maxRevision + 1))
      newIndex = all.count - 1
    } else if let i = newIndex, all[i].revision < maxRevision, !paused {
      out.actions.append(.setRevision(name: all[i].name, revision: maxRevision + 1))
      all[i].revision = maxRevision + 1
    }
    out.replicas = all.reduce(0) { $0 + $1.active }
    out.ready = all.reduce(0) { $0 + $1.ready }
    out.available = all.reduce(0) { $0 + $1.available }
    guard let ni = newIndex else { return out }
    let new = all[ni]
    out.updated = new.active
    out.revision = new.revision
    let olds = all.indices.filter { $0 != ni }.sorted { all[$0].revision < all[$1].revision }
    out.complete =
      new.replicas == replicas && new.available >= replicas && new.active == replicas
      && olds.allSatisfy { all[$0].replicas == 0 && all[$0].active == 0 }
    if paused {
      cleanUp(&out, all: all, olds: olds, limit: revisionHistoryLimit)
      return out
    }
    if strategy.type == "Recreate" {
      if olds.contains(where: { all[$0].replicas > 0 }) {
        for i in olds where all[i].replicas > 0 { out.actions.append(.scale(name: all[i].name, replicas: 0)) }
        return out
      }
      if olds.contains(where: { all[$0].pods > 0 }) { return out }  // wait until the old pods are gone
      if new.replicas != replicas && !new.name.isEmpty { out.actions.append(.scale(name: new.name, replicas: replicas)) }
      cleanUp(&out, all: all, olds: olds, limit: revisionHistoryLimit)
      return out
    }
    let (surge, unavailable) = strategy.fenceposts(replicas: replicas)
    // reconcileNewReplicaSet
    if new.replicas > replicas {
      out.actions.append(.scale(name: new.name, replicas: replicas))
      all[ni].replicas = replicas
    } else if new.replicas < replicas {
      let total = all.reduce(0) { $0 + $1.replicas }
      let maxTotal = replicas + surge
      if total < maxTotal {
        let up = min(maxTotal - total, replicas - new.replicas)
        if new.name.isEmpty {
          // The ReplicaSet is being created: give it its first replicas at once.
          if case .create(let h, _, let r) = out.actions.last {
            out.actions[out.actions.count - 1] = .create(hash: h, replicas: up, revision: r)
          }
        } else {
          out.actions.append(.scale(name: new.name, replicas: new.replicas + up))
        }
        all[ni].replicas += up
      }
    }
    // reconcileOldReplicaSets
    let oldTotal = olds.reduce(0) { $0 + all[$1].replicas }
    if oldTotal > 0 {
      let total = all.reduce(0) { $0 + $1.replicas }
      let minAvailable = replicas - unavailable
      let newUnavailable = all[ni].replicas - all[ni].available
      let maxScaledDown = total - minAvailable - newUnavailable
      if maxScaledDown > 0 {
        var target = Dictionary(uniqueKeysWithValues: olds.map { (all[$0].name, all[$0].replicas) })
        var done = 0
        // cleanupUnhealthyReplicas: old replicas that are not available go first.
        for i in olds where done < maxScaledDown {
          let unhealthy = all[i].replicas - all[i].available
          let down = min(maxScaledDown - done, max(0, unhealthy))
          if down > 0 {
            target[all[i].name]! -= down
            done += down
          }
        }
        // scaleDownOldReplicaSetsForRollingUpdate: as far as availability allows.
        let available = all.reduce(0) { $0 + $1.available }
        if available > minAvailable {
          let budget = min(available - minAvailable, maxScaledDown - done)
          var taken = 0
          for i in olds where taken < budget {
            let cur = target[all[i].name]!
            let down = min(cur, budget - taken)
            if down > 0 {
              target[all[i].name]! -= down
              taken += down
            }
          }
        }
        for i in olds where target[all[i].name]! != all[i].replicas {
          out.actions.append(.scale(name: all[i].name, replicas: target[all[i].name]!))
        }
      }
    }
    cleanUp(&out, all: all, olds: olds, limit: revisionHistoryLimit)
    return out
  }

  /// Old ReplicaSets at zero without pods beyond `revisionHistoryLimit` are deleted, oldest first.
  static func cleanUp(_ out: inout Outcome, all: [ObservedRS], olds: [Int], limit: Int) {
    let idle = olds.filter { all[$0].replicas == 0 && all[$0].pods == 0 && !all[$0].name.isEmpty }
    guard idle.count > limit else { return }
    for i in idle.prefix(idle.count - limit) { out.actions.append(.delete(name: all[i].name)) }
  }
}
