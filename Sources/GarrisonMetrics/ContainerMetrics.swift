import Foundation
import GarrisonKernel
import GarrisonPods

/// cAdvisor's per-container families, with its names, types, units and labels (`container`, `pod`, `namespace`,
/// `image`, `id` = the cgroup path, `name` = the runtime's container id), from one scrape's cgroup readings.
enum ContainerMetrics {
  struct Inputs {
    var readings: [ContainerReading]
    var views: [PodView]
    /// Pod key (`namespace/name`) → the sandbox's interfaces (loopback left out, as cAdvisor does).
    var network: [String: [InterfaceCounters]]
    /// Host directory → bytes (writable layers and emptyDirs), from the cached walk.
    var diskUsage: [String: UInt64]
    var audit: AuditCounters
    var now: Date
  }

  static func families(_ input: Inputs) -> [MetricFamily] {
    var cpu = MetricFamily("container_cpu_usage_seconds_total", .counter, "Cumulative cpu time consumed in seconds.")
    var throttledPeriods = MetricFamily("container_cpu_cfs_throttled_periods_total", .counter, "Number of throttled period intervals.")
    var throttledSeconds = MetricFamily(
      "container_cpu_cfs_throttled_seconds_total", .counter, "Total time duration the container has been throttled.")
    var usage = MetricFamily(
      "container_memory_usage_bytes", .gauge, "Current memory usage in bytes, including all memory regardless of when it was accessed")
    var workingSet = MetricFamily("container_memory_working_set_bytes", .gauge, "Current working set in bytes.")
    var rss = MetricFamily("container_memory_rss", .gauge, "Size of RSS in bytes.")
    var cache = MetricFamily("container_memory_cache", .gauge, "Number of bytes of page cache memory.")
    // cAdvisor types it a counter, but a counter without `_total` fails `promtool check metrics`: same name and values, typed gauge.
    var failcnt = MetricFamily("container_memory_failcnt", .gauge, "Number of memory usage hits limits")
    var oom = MetricFamily("container_oom_events_total", .counter, "Count of out of memory events observed for the container")
    var memLimit = MetricFamily("container_spec_memory_limit_bytes", .gauge, "Memory limit for the container.")
    var quota = MetricFamily("container_spec_cpu_quota", .gauge, "CPU quota of the container.")
    var period = MetricFamily("container_spec_cpu_period", .gauge, "CPU period of the container.")
    var shares = MetricFamily("container_spec_cpu_shares", .gauge, "CPU share of the container.")
    var processes = MetricFamily("container_processes", .gauge, "Number of processes running inside the container.")
    var threads = MetricFamily("container_threads", .gauge, "Number of threads running inside the container")
    var fs = MetricFamily("container_fs_usage_bytes", .gauge, "Number of bytes that are consumed by the container on this filesystem.")
    var rx = MetricFamily("container_network_receive_bytes_total", .counter, "Cumulative count of bytes received")
    var tx = MetricFamily("container_network_transmit_bytes_total", .counter, "Cumulative count of bytes transmitted")
    var rxErrors = MetricFamily(
      "container_network_receive_errors_total", .counter, "Cumulative count of errors encountered while receiving")
    var txErrors = MetricFamily(
      "container_network_transmit_errors_total", .counter, "Cumulative count of errors encountered while transmitting")
    var lastSeen = MetricFamily("container_last_seen", .gauge, "Last time a container was seen by the exporter")
    var start = MetricFamily("container_start_time_seconds", .gauge, "Start time of the container since unix epoch in seconds.")

    let now = input.now.timeIntervalSince1970
    var byPod: [String: PodView] = [:]
    for v in input.views { byPod[v.record.namespace + "/" + v.record.name] = v }

    for r in input.readings {
      let l: [(String, String)] = [
        ("container", r.container), ("id", r.cgroupPath), ("image", r.image), ("name", r.runtimeID),
        ("namespace", r.namespace), ("pod", r.pod),
      ]
      let s = r.stats
      if let u = s.cpuUsageMicroseconds { cpu.add(l + [("cpu", "total")], Double(u) / 1e6) }
      if let p = s.cpuThrottledPeriods { throttledPeriods.add(l, Double(p)) }
      if let t = s.cpuThrottledMicroseconds { throttledSeconds.add(l, Double(t) / 1e6) }
      if let m = s.memoryUsageBytes { usage.add(l, Double(m)) }
      if let m = s.memoryWorkingSetBytes { workingSet.add(l, Double(m)) }
      if let m = s.memoryRSSBytes { rss.add(l, Double(m)) }
      if let m = s.memoryCacheBytes { cache.add(l, Double(m)) }
      if let m = s.memoryFailCount { failcnt.add(l, Double(m)) }
      // Kills survive restarts (a restarted container has a new cgroup whose counter starts at 0): the audit log's
      // container.oom_killed events count every kill of this container; the live cgroup adds a kill not yet audited.
      let audited = input.audit.oomKillCount(namespace: r.namespace, pod: r.pod, container: r.container)
      oom.add(l, max(audited, Double(s.oomKillCount ?? 0)))
      memLimit.add(l, Double(s.memoryLimitBytes ?? 0))
      if let q = s.cpuQuotaMicroseconds { quota.add(l, Double(q)) }
      if let p = s.cpuPeriodMicroseconds { period.add(l, Double(p)) }
      if let sh = s.cpuShares { shares.add(l, Double(sh)) }
      processes.add(l, Double(s.processCount))
      if let t = s.threadCount { threads.add(l, Double(t)) }
      lastSeen.add(l, now.rounded(.down))
      guard let v = byPod[r.namespace + "/" + r.pod] else { continue }
      let upper = v.paths.container(r.container) + "/upper"
      if let bytes = input.diskUsage[upper] { fs.add([("container", r.container), ("device", upper)] + l.dropFirst(), Double(bytes)) }
      if let st = v.status.container(r.container), st.state.kind == .running, let started = st.state.startedAt {
        start.add(l, started.timeIntervalSince1970.rounded(.down))
      }
    }
    // Containers of a pod whose cgroup is gone (OOM-killed and not restarted) keep their kill count.
    let read = Set(input.readings.map { [$0.namespace, $0.pod, $0.container] })
    for v in input.views {
      for c in v.record.containers where !read.contains([v.record.namespace, v.record.name, c.name]) {
        let n = input.audit.oomKillCount(namespace: v.record.namespace, pod: v.record.name, container: c.name)
        guard n > 0 else { continue }
        oom.add(
          [
            ("container", c.name), ("id", c.spec.linux?.cgroupsPath ?? ""), ("image", c.image), ("name", v.record.runtimeID(c.name)),
            ("namespace", v.record.namespace), ("pod", v.record.name),
          ], n)
      }
    }
    for v in input.views {
      let key = v.record.namespace + "/" + v.record.name
      let pl: [(String, String)] = [
        ("container", ""), ("id", v.status.cgroupParent ?? "/garrison/\(v.record.uid)"), ("image", ""),
        ("name", ""), ("namespace", v.record.namespace), ("pod", v.record.name),
      ]
      for i in input.network[key] ?? [] where i.name != "lo" {
        let il = pl + [("interface", i.name)]
        rx.add(il, Double(i.receiveBytes))
        tx.add(il, Double(i.transmitBytes))
        rxErrors.add(il, Double(i.receiveErrors))
        txErrors.add(il, Double(i.transmitErrors))
      }
      for vol in v.record.volumes where vol.kind == .emptyDir {
        let dir = v.paths.volume(vol.name)
        if let bytes = input.diskUsage[dir] { fs.add([("container", ""), ("device", dir)] + pl.dropFirst(), Double(bytes)) }
      }
    }
    return [
      cpu, throttledPeriods, throttledSeconds, usage, workingSet, rss, cache, failcnt, oom, memLimit, quota, period, shares,
      processes, threads, fs, rx, tx, rxErrors, txErrors, lastSeen, start,
    ]
  }
}
