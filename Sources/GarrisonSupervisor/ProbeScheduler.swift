#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc

/// The probe decisions for one run of one container, as kubelet's prober makes them, with no I/O: given the
/// container's start time, the probe results and the clock, it says which probes are due and what follows from a
/// result (started, ready, restart). `PodSupervisor` acts on the decisions; `ProbeRunner` runs the probes.
///
/// - The startup probe runs first (after `initialDelaySeconds` from the container's start, then every
///   `periodSeconds`); until it succeeds the container is not started and the other probes do not run;
///   `failureThreshold` failures in a row kill the container.
/// - The liveness probe: `failureThreshold` failures in a row kill the container (restarted per restartPolicy).
/// - The readiness probe: not ready until `successThreshold` successes in a row; `failureThreshold` failures
///   in a row make it not ready again. Without a readiness probe a started container is ready.
/// - One run of a probe at a time; the next is due `periodSeconds` after the previous one began.
public struct ProbeScheduler: Sendable {
  public let probes: ContainerProbes
  public let startedAt: Date
  public private(set) var started: Bool
  public private(set) var ready: Bool
  /// Set once a startup or liveness probe has failed `failureThreshold` times: the container must be killed.
  public private(set) var killed: Bool = false

  struct Track: Sendable {
    var nextDue: Date
    var inFlight = false
    var successes = 0
    var failures = 0
  }
  var tracks: [ProbeKind: Track] = [:]

  /// What a result changed.
  public enum Decision: Sendable, Equatable {
    /// The startup probe succeeded: the container has started (liveness and readiness begin).
    case started
    /// The container's readiness changed.
    case ready(Bool)
    /// The probe failed (an `Unhealthy` event), with its failure count so far.
    case unhealthy(ProbeKind, failures: Int, message: String)
    /// The startup or liveness probe failed `failureThreshold` times: kill the container (and restart it per
    /// restartPolicy) with this grace period (nil: the pod's).
    case kill(ProbeKind, message: String, grace: Double?)
  }

  public init(probes: ContainerProbes, startedAt: Date) {
    self.probes = probes
    self.startedAt = startedAt
    started = probes.startup == nil
    ready = started && probes.readiness == nil
    for kind in ProbeKind.allCases {
      guard let p = probes.probe(kind) else { continue }
      tracks[kind] = Track(nextDue: startedAt.addingTimeInterval(p.initialDelaySeconds))
    }
  }

  /// What a handover to garrison-keeper keeps of the decisions (times as seconds since the epoch); taken only
  /// when no probe is in flight.
  struct Snapshot: Codable, Sendable, Equatable {
    struct TrackState: Codable, Sendable, Equatable {
      var nextDue: Double
      var successes: Int
      var failures: Int
    }
    var startedAt: Double
    var started: Bool
    var ready: Bool
    var killed: Bool
    var tracks: [String: TrackState]
  }

  /// The decisions so far, nil while a probe is in flight (its result would have nowhere to go).
  var snapshot: Snapshot? {
    guard !tracks.values.contains(where: \.inFlight) else { return nil }
    var out: [String: Snapshot.TrackState] = [:]
    for (kind, t) in tracks {
      out[kind.rawValue] = .init(nextDue: t.nextDue.timeIntervalSince1970, successes: t.successes, failures: t.failures)
    }
    return Snapshot(startedAt: startedAt.timeIntervalSince1970, started: started, ready: ready, killed: killed, tracks: out)
  }

  /// The scheduler a snapshot describes, for the same `probes` (the container's, from the pod record).
  init(probes: ContainerProbes, snapshot: Snapshot) {
    self.init(probes: probes, startedAt: Date(timeIntervalSince1970: snapshot.startedAt))
    started = snapshot.started
    ready = snapshot.ready
    killed = snapshot.killed
    for (name, t) in snapshot.tracks {
      guard let kind = ProbeKind(rawValue: name), tracks[kind] != nil else { continue }
      tracks[kind] = Track(nextDue: Date(timeIntervalSince1970: t.nextDue), successes: t.successes, failures: t.failures)
    }
  }

  /// Whether `kind` runs at this point of the container's life.
  func active(_ kind: ProbeKind) -> Bool {
    guard !killed else { return false }
    return kind == .startup ? !started : started
  }

  /// The probes to run now; each is marked in flight until its result is recorded.
  public mutating func due(now: Date) -> [ProbeKind] {
    var out: [ProbeKind] = []
    for kind in ProbeKind.allCases where active(kind) {
      guard var t = tracks[kind], !t.inFlight, t.nextDue <= now, let p = probes.probe(kind) else { continue }
      t.inFlight = true
      t.nextDue = now.addingTimeInterval(p.periodSeconds)
      tracks[kind] = t
      out.append(kind)
    }
    return out
  }

  /// When the next probe is due (nil: none will run).
  public func nextWakeup() -> Date? {
    tracks.filter { active($0.key) && !$0.value.inFlight }.map(\.value.nextDue).min()
  }

  /// Records one result and returns what it decides.
  public mutating func record(_ kind: ProbeKind, success: Bool, message: String) -> [Decision] {
    guard var t = tracks[kind], let p = probes.probe(kind) else { return [] }
    t.inFlight = false
    guard active(kind) else {
      tracks[kind] = t
      return []
    }
    if success {
      t.successes += 1
      t.failures = 0
    } else {
      t.failures += 1
      t.successes = 0
    }
    tracks[kind] = t
    var out: [Decision] = []
    if !success { out.append(.unhealthy(kind, failures: t.failures, message: message)) }
    switch kind {
    case .startup:
      if success {
        started = true
        out.append(.started)
        // Liveness and readiness begin now (their initial delay counts from the container's start, as kubelet's).
        if probes.readiness == nil {
          ready = true
          out.append(.ready(true))
        }
      } else if t.failures >= p.failureThreshold {
        killed = true
        out.append(.kill(.startup, message: message, grace: p.terminationGracePeriodSeconds))
      }
    case .liveness:
      if !success && t.failures >= p.failureThreshold {
        killed = true
        if ready {
          ready = false
          out.append(.ready(false))
        }
        out.append(.kill(.liveness, message: message, grace: p.terminationGracePeriodSeconds))
      }
    case .readiness:
      if success && !ready && t.successes >= p.successThreshold {
        ready = true
        out.append(.ready(true))
      } else if !success && ready && t.failures >= p.failureThreshold {
        ready = false
        out.append(.ready(false))
      }
    }
    return out
  }
}
