import Foundation
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonPods

/// One scrape's worth of metrics for a state root, with what does not change between scrapes cached so the cost
/// stays flat as pods grow: pod records are decoded once (re-decoded only when `record.json` is replaced), the audit
/// log is followed by offset (``AuditTail``), disk usage walks are refreshed at most every ``diskUsageInterval``, and
/// the cgroup layout and the node's allocatable resources are read once. Per scrape: each pod's `status.json`, each
/// running container's cgroup files once, each sandbox's `/proc/<pid>/net/dev`. No process is spawned.
/// Scrapes are serialised (one lock); a scrape never throws: failures are counted in `garrison_metrics_errors_total`.
public final class MetricsCollector: @unchecked Sendable {
  public let root: String
  let manager: PodManager
  let readings: ContainerReadings
  let fit: FitCheck
  let node: String
  let lock = NSLock()
  var tail: AuditTail
  var audit = AuditCounters()
  var records: [String: (key: RecordKey, record: PodRecord, pssLevel: String)] = [:]
  var statuses: [String: (key: RecordKey, status: PodStatus)] = [:]
  var disk: [String: (bytes: UInt64, at: Date)] = [:]
  var errors: [String: Double] = [:]
  var lastDuration: Double = 0
  /// How long a directory's disk usage walk is reused.
  public var diskUsageInterval: TimeInterval = 30

  struct RecordKey: Equatable {
    var inode: Int
    var modifiedNanoseconds: Int64
    var size: Int
  }

  /// Threads reading containers' cgroups in a scrape (``ContainerReadings``): `$GARRISON_METRICS_WORKERS`, else 2 (on 2 cores under load, 2 threads cut a 100-container scrape by about a quarter: bench/metrics).
  public static var defaultWorkers: Int { Environment.value("GARRISON_METRICS_WORKERS").flatMap(Int.init).map { min(max($0, 1), 16) } ?? 2 }

  public init(root: String, workers: Int = MetricsCollector.defaultWorkers) throws {
    self.root = root
    manager = PodManager(root: root)
    readings = try ContainerReadings(workers: workers)
    fit = try FitCheck.host()
    node = ProcessInfo.processInfo.hostName
    tail = AuditTail(directory: AuditPaths.directory(root: root))
  }

  /// Every family of one scrape, in a fixed order.
  public func collect() -> [MetricFamily] {
    lock.lock()
    defer { lock.unlock() }
    let clock = ContinuousClock()
    let started = clock.now
    let views = listPods()
    do { try tail.poll { audit.add($0) } } catch { errors["audit", default: 0] += 1 }
    let read = readings.read(views)
    if !read.errors.isEmpty { errors["cgroup", default: 0] += Double(read.errors.count) }
    var network: [String: [InterfaceCounters]] = [:]
    for v in views where !v.record.namespaces.hostNetwork {
      guard let sandbox = v.status.sandbox, !v.status.phase.isTerminal, ProcessProbe.isAlive(sandbox) else { continue }
      do { network[v.record.namespace + "/" + v.record.name] = try ProcCounters.networkInterfaces(pid: sandbox.pid) } catch {
        errors["network", default: 0] += 1
      }
    }
    refreshDiskUsage(views, running: read.readings)
    var families = ContainerMetrics.families(
      .init(
        readings: read.readings, views: views, network: network,
        diskUsage: disk.mapValues(\.bytes), audit: audit, now: Date()))
    families += PodStateMetrics.families(views, node: node)
    families += SecurityMetrics.families(views, audit: audit)
    families += NodeMetrics.families(views, fit: fit, node: node)
    var levels = MetricFamily(
      "garrison_pods_by_pss_level", .gauge,
      "Unfinished pods by the highest Pod Security Standards level (latest) their stored spec satisfies.")
    var levelCounts: [String: Double] = [:]
    for v in views where !v.status.phase.isTerminal {
      levelCounts[records[v.record.namespace + "/" + v.record.name]?.pssLevel ?? "unknown", default: 0] += 1
    }
    for l in PodSecurityLevel.levels { levels.add([("level", l)], levelCounts[l] ?? 0) }
    families.append(levels)
    families += auditWriteFamilies()
    var head = MetricFamily("garrison_audit_chain_head_sequence", .gauge, "Sequence number of the newest audit record (the chain head).")
    if let seq = tail.headSequence { head.add([], Double(seq)) }
    var damaged = MetricFamily(
      "garrison_audit_damaged_lines_total", .counter, "Audit log lines that were not a valid record frame when read.")
    damaged.add([], Double(tail.damagedLines))
    var errs = MetricFamily(
      "garrison_metrics_errors_total", .counter, "Reads that failed during scrapes, by source (pods, cgroup, network, disk, audit).")
    for source in ["audit", "cgroup", "disk", "network", "pods"] { errs.add([("source", source)], errors[source] ?? 0) }
    var duration = MetricFamily("garrison_metrics_scrape_duration_seconds", .gauge, "How long the previous scrape took to collect.")
    duration.add([], lastDuration)
    families += [head, damaged, errs, duration]
    let d = clock.now - started
    lastDuration = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    return families
  }

  /// The audit log's write costs over every process that appended to it (``AuditWriteStatistics``, the small file
  /// the appenders keep beside the segments): commits, failed commits, fsync latency.
  func auditWriteFamilies() -> [MetricFamily] {
    var commits = MetricFamily(
      "garrison_audit_commits_total", .counter, "Audit log commits (one write and one fsync each) by every appender.")
    var failures = MetricFamily("garrison_audit_append_errors_total", .counter, "Audit log commits whose write or fsync failed.")
    var fsync = MetricFamily("garrison_audit_fsync_duration_seconds", .histogram, "Time each audit log commit spent in fsync.")
    let stats: AuditWriteStatistics
    do {
      guard let s = try AuditWriteStatistics.read(directory: tail.directory) else { return [] }
      stats = s
    } catch {
      errors["audit", default: 0] += 1
      return []
    }
    commits.add([], Double(stats.commits))
    failures.add([], Double(stats.errors))
    fsync.addHistogram([], bounds: LatencyHistogram.bounds, counts: stats.fsyncBuckets, sum: Double(stats.fsyncSumNanoseconds) / 1e9)
    return [commits, failures, fsync]
  }

  /// The pods under the root, with records decoded only when new or replaced.
  func listPods() -> [PodView] {
    let base = PodPaths.podsDirectory(root)
    let fm = FileManager.default
    var out: [PodView] = []
    var seen: Set<String> = []
    for ns in ((try? fm.contentsOfDirectory(atPath: base)) ?? []).sorted() {
      for name in ((try? fm.contentsOfDirectory(atPath: base + "/" + ns)) ?? []).sorted() {
        guard (try? PodManager.checkNames(namespace: ns, name: name)) != nil else { continue }  // not a pod directory
        let p = manager.paths(ns, name)
        guard let key = Self.fileKey(p.record) else { continue }  // being created or deleted
        let id = ns + "/" + name
        seen.insert(id)
        do {
          let record: PodRecord
          if let cached = records[id], cached.key == key {
            record = cached.record
          } else {
            guard let r = try JSONFile.read(PodRecord.self, from: p.record) else { continue }
            records[id] = (key, r, PodSecurityLevel.of(r))
            record = r
          }
          // The supervisor replaces status.json atomically (a new inode): decode it only when it changed.
          let status: PodStatus
          if let sk = Self.fileKey(p.status), let cached = statuses[id], cached.key == sk {
            status = cached.status
          } else if let sk = Self.fileKey(p.status), let decoded = try JSONFile.read(PodStatus.self, from: p.status) {
            statuses[id] = (sk, decoded)
            status = decoded
          } else {
            statuses[id] = nil
            status = PodStatus(phase: .pending, containers: [])
          }
          out.append(manager.view(p, record: record, status: status))
        } catch {
          errors["pods", default: 0] += 1
        }
      }
    }
    for id in records.keys where !seen.contains(id) { records[id] = nil }
    for id in statuses.keys where !seen.contains(id) { statuses[id] = nil }
    return out
  }

  /// Identity of a file's current content: inode, modification time and size (`stat`); nil when it is absent.
  static func fileKey(_ path: String) -> RecordKey? {
    guard let st = try? FileStatus.of(path) else { return nil }
    return RecordKey(inode: Int(st.inode), modifiedNanoseconds: st.modifiedNanoseconds, size: Int(st.size))
  }

  /// Walks writable layers and emptyDirs whose last measurement is older than ``diskUsageInterval``.
  func refreshDiskUsage(_ views: [PodView], running: [ContainerReading]) {
    let now = Date()
    var wanted: Set<String> = []
    for r in running {
      if let v = views.first(where: { $0.record.namespace == r.namespace && $0.record.name == r.pod }) {
        wanted.insert(v.paths.container(r.container) + "/upper")
      }
    }
    for v in views where !v.status.phase.isTerminal {
      for vol in v.record.volumes where vol.kind == .emptyDir { wanted.insert(v.paths.volume(vol.name)) }
    }
    for dir in wanted {
      if let d = disk[dir], now.timeIntervalSince(d.at) < diskUsageInterval { continue }
      do throws(Errno) { disk[dir] = (try DirectoryUsage.measure(dir).bytes, now) } catch {
        if error == .ENOENT { disk[dir] = nil } else { errors["disk", default: 0] += 1 }
      }
    }
    for dir in disk.keys where !wanted.contains(dir) { disk[dir] = nil }
  }
}
