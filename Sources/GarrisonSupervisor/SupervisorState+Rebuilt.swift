#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel

extension SupervisorState {
  /// The loop's state rebuilt when supervisor-state.json cannot be read at a resume (missing, unreadable, corrupt
  /// or of another version), so the pod is not lost: its containers keep running and being reaped, their logs
  /// copied, and the supervisor keeps acting on them. From what else there is:
  /// - the status from status.json (written before every handover, so it is the one the state file held);
  /// - a running container is one that status reports running with a pid and whose log the keeper handed back:
  ///   the log file's path (`/proc/self/fd`) names the container, the pipes are the ones handed back with it;
  /// - started: a container that ran, or runs, at least once; noted: the same (its adjustments were reported);
  ///   each container's run is its restart count;
  /// - the sandbox from the status; the volume sources from the record, as at the start (emptyDir, configMap and
  ///   secret volumes under the pod's directory, a hostPath checked again).
  /// What only the state file knew starts over: backoffs (a container that exits next restarts at once, its backoff
  /// counting again from 10 s) and probe schedules (each running container's probes are due at once, its started
  /// and ready kept from the status).
  static func rebuilt(
    record: PodRecord, paths: PodPaths, status: PodStatus, logs: [KeeperReturn.Log], wake: Int32?, kmsg: Int32?
  ) -> SupervisorState {
    var running: [RunningContainer] = []
    var probing: [String: ProbeScheduler.Snapshot] = [:]
    for log in logs {
      guard let path = try? Kernel.readlink("/proc/self/fd/\(log.log)") else { continue }
      let directory = PathName.deletingLastComponent(path)
      let name = String(directory.split(separator: "/").last ?? "")
      guard !name.isEmpty, directory == paths.logDirectory(name), !running.contains(where: { $0.name == name }),
        let c = record.containers.first(where: { $0.name == name }),
        let s = status.containers.first(where: { $0.name == name }), s.state.kind == .running, let pid = s.pid, pid > 0
      else { continue }
      let startedAt = s.state.startedAt ?? Date()
      running.append(
        RunningContainer(
          name: name, pid: pid, startedAt: startedAt.timeIntervalSince1970, log: log.log, stdout: log.stdout,
          stderr: log.stderr))
      if let probes = c.probes, c.role != .initContainer, var snapshot = ProbeScheduler(probes: probes, startedAt: startedAt).snapshot {
        snapshot.started = s.started
        snapshot.ready = s.ready
        probing[name] = snapshot
      }
    }
    let ran = status.containers.filter { $0.state.kind != .waiting || $0.restartCount > 0 || $0.lastState != nil }.map(\.name)
    var sources: [String: String] = [:]
    for v in record.volumes {
      if v.kind == .hostPath {
        sources[v.name] = try? HostPathCheck.check(path: v.hostPath ?? "", type: v.hostPathType ?? "", field: v.field + ".hostPath")
      } else {
        sources[v.name] = paths.volume(v.name)
      }
    }
    return SupervisorState(
      status: status, running: running, notBefore: [:], backoffCount: [:], started: ran, noted: ran,
      containerRun: Dictionary(uniqueKeysWithValues: status.containers.map { ($0.name, $0.restartCount) }),
      sandbox: status.sandbox, volumeSources: sources, wake: wake, kmsg: kmsg, probing: probing)
  }
}
