import Foundation
import GarrisonAudit
import GarrisonPods
import Testing

/// `garrison metrics serve` and `garrison top` against real pods: promtool accepts the endpoint, `top` agrees with the
/// cgroup files, and a real Prometheus scraping the exporter sees CPU, an OOM kill and a seccomp denial.
enum Exporter {
  static let promtool = "/usr/bin/promtool"
  static let prometheus = "/usr/bin/prometheus"
  static let curl = "/usr/bin/curl"

  /// Starts `garrison metrics serve --listen 127.0.0.1:0` for `root`; returns its pid and the port it bound.
  static func start(_ s: Scratch, listen: String = "127.0.0.1:0") throws -> (pid: pid_t, port: Int) {
    let out = s.dir + "/exporter-\(UInt32.random(in: 0..<UInt32.max)).out"
    let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let pid = try Spawn.start(
      [Host.garrison, "metrics", "serve", "--root", s.root, "--listen", listen], io: SpawnIO(stdout: fd, stderr: fd))
    close(fd)
    for _ in 0..<100 {
      let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
      if let r = text.range(of: "http://127.0.0.1:"), let port = Int(text[r.upperBound...].prefix(while: \.isNumber)) { return (pid, port) }
      usleep(100_000)
    }
    stop(pid)
    throw TestFailure("the exporter did not start: \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
  }

  static func stop(_ pid: pid_t) {
    kill(pid, SIGTERM)
    _ = try? Spawn.waitPID(pid)
  }

  /// GET with curl; `accept` sets the Accept header.
  static func get(_ url: String, accept: String? = nil) throws -> String {
    let r = try Spawn.run([curl, "-sS", "--max-time", "10"] + (accept.map { ["-H", "Accept: \($0)"] } ?? []) + [url])
    guard r.succeeded else { throw TestFailure("curl \(url): \(r.output)") }
    return r.output
  }

  /// A TCP port that was free a moment ago (bound to port 0 and closed).
  static func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  /// The value of the first sample line of `family` whose labels contain every `labels` pair.
  static func value(_ text: String, _ family: String, _ labels: [String: String]) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(family + "{") || line.hasPrefix(family + " ") {
      if labels.allSatisfy({ line.contains("\($0.key)=\"\($0.value)\"") }), let v = line.split(separator: " ").last.flatMap({ Double($0) })
      {
        return v
      }
    }
    return nil
  }
}

@Suite(
  .serialized,
  .enabled(
    if: Host.skipReason == nil && FileManager.default.isExecutableFile(atPath: Exporter.curl),
    "needs root, crun, busybox-static, curl and the garrison executable"))
struct MetricsTests {
  static let pods = """
    apiVersion: v1
    kind: Pod
    metadata: {name: mon}
    spec:
      containers:
      - name: burner
        command: ["/bin/sh", "-c", "while :; do :; done"]
        resources: {requests: {cpu: 250m, memory: 16Mi}, limits: {cpu: "1", memory: 64Mi}}
      - name: holder
        command: ["/bin/sh", "-c", "dd if=/dev/zero bs=16M count=1 | sleep 1000"]
        resources: {limits: {memory: 128Mi}}
    """

  @Test func promtoolAcceptsTheEndpointInBothFormats() throws {
    try withScratch { s in
      let applied = try s.apply(Self.pods)
      try #require(applied.succeeded, "\(applied.output)")
      _ = try s.wait("mon") { $0.status.containers.allSatisfy { $0.state.kind == .running } }
      let (pid, port) = try Exporter.start(s)
      defer { Exporter.stop(pid) }
      let text = try Exporter.get("http://127.0.0.1:\(port)/metrics")
      #expect(
        Exporter.value(text, "container_cpu_usage_seconds_total", ["pod": "mon", "container": "burner", "namespace": "default"]) != nil,
        "\(text.prefix(2000))")
      #expect(Exporter.value(text, "kube_pod_status_phase", ["pod": "mon", "phase": "Running"]) == 1)
      #expect(Exporter.value(text, "kube_pod_container_status_running", ["pod": "mon", "container": "holder"]) == 1)
      #expect(Exporter.value(text, "kube_pod_container_resource_requests", ["container": "burner", "resource": "cpu"]) == 0.25)
      #expect(Exporter.value(text, "kube_pod_container_resource_limits", ["container": "burner", "resource": "memory"]) == 67_108_864)
      #expect(Exporter.value(text, "container_spec_memory_limit_bytes", ["container": "burner"]) == 67_108_864)
      #expect(Exporter.value(text, "container_spec_cpu_quota", ["container": "burner"]) == 100_000)
      #expect(Exporter.value(text, "garrison_node_requested", ["resource": "cpu"]) == 0.25)
      #expect(text.contains("# TYPE container_memory_working_set_bytes gauge"))
      #expect(Exporter.value(text, "container_fs_usage_bytes", ["container": "burner", "pod": "mon"]) != nil, "writable layer usage")
      #expect(Exporter.value(text, "container_threads", ["container": "holder"]).map { $0 >= 2 } == true, "sh and dd (or sleep)")
      #expect(Exporter.value(text, "kube_pod_container_status_restarts_total", ["container": "burner"]) == 0)
      #expect(Exporter.value(text, "garrison_container_privileged", ["container": "burner"]) == 0)
      // No securityContext: baseline holds, restricted (runAsNonRoot, seccomp, drop ALL, …) does not.
      #expect(Exporter.value(text, "garrison_pods_by_pss_level", ["level": "baseline"]) == 1, "\(text.suffix(4000))")
      #expect(Exporter.value(text, "garrison_pods_by_pss_level", ["level": "restricted"]) == 0)
      // The apply and the supervisor appended to the audit log: their commits and fsyncs are counted.
      #expect(Exporter.value(text, "garrison_audit_commits_total", [:]).map { $0 > 0 } == true)
      #expect(
        Exporter.value(text, "garrison_audit_fsync_duration_seconds_count", [:])
          == Exporter.value(text, "garrison_audit_commits_total", [:]))
      #expect(Exporter.value(text, "garrison_audit_fsync_duration_seconds_bucket", ["le": "+Inf"]) != nil)
      #expect(Exporter.value(text, "garrison_audit_append_errors_total", [:]) == 0)
      let file = s.dir + "/metrics.prom"
      try text.write(toFile: file, atomically: true, encoding: .utf8)
      if FileManager.default.isExecutableFile(atPath: Exporter.promtool) {
        let fd = open(file, O_RDONLY)
        defer { close(fd) }
        let check = try Spawn.run([Exporter.promtool, "check", "metrics"], stdin: fd)
        #expect(check.succeeded, "promtool check metrics: \(check.output)")
      } else {
        Issue.record("promtool is not installed (apt-get install prometheus; scripts/setup.sh installs it)")
      }
      let om = try Exporter.get("http://127.0.0.1:\(port)/metrics", accept: "application/openmetrics-text;version=1.0.0")
      #expect(om.hasSuffix("# EOF\n"))
      #expect(om.contains("# TYPE container_cpu_usage_seconds counter"))
      #expect(try Exporter.get("http://127.0.0.1:\(port)/healthz") == "ok\n")
    }
  }

  @Test func aTakenPortIsRefusedWithExitFour() throws {
    try withScratch { s in
      let (pid, port) = try Exporter.start(s)
      defer { Exporter.stop(pid) }
      let second = try s.garrison(["metrics", "serve", "--listen", "127.0.0.1:\(port)"])
      #expect(second.status == .exited(4), "\(second.output)")
      #expect(second.output.contains("already in use"), "\(second.output)")
    }
  }

  @Test func topAgreesWithTheCgroupFiles() throws {
    try withScratch { s in
      let applied = try s.apply(Self.pods)
      try #require(applied.succeeded, "\(applied.output)")
      let v = try s.wait("mon") { $0.status.containers.allSatisfy { $0.state.kind == .running } }
      let cgroup = v.record.containers.first { $0.name == "holder" }!.spec.linux!.cgroupsPath!
      let memDir = "/sys/fs/cgroup/memory" + cgroup
      let v2 = !FileManager.default.fileExists(atPath: memDir)
      let dir = v2 ? "/sys/fs/cgroup" + cgroup : memDir
      func number(_ f: String) -> Double {
        Double(((try? String(contentsOfFile: dir + "/" + f, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
      }
      func stat(_ key: String) -> Double {
        let text = (try? String(contentsOfFile: dir + "/memory.stat", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix(key + " ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? -1
      }
      func workingSet() -> Double {
        (v2 ? number("memory.current") - stat("inactive_file") : number("memory.usage_in_bytes") - stat("total_inactive_file")) / 1_048_576
      }
      // Until the holder's dd has filled its buffer (it then blocks writing to a pipe nobody reads) and memory stays put.
      var working = workingSet()
      for _ in 0..<120 {
        usleep(250_000)
        let next = workingSet()
        if next > 15 && abs(next - working) < 0.2 { break }
        working = next
      }
      #expect(working > 15, "the holder's dd holds a 16 MiB buffer: \(working) MiB")
      let burnerCPU =
        "/sys/fs/cgroup/cpuacct" + v.record.containers.first { $0.name == "burner" }!.spec.linux!.cgroupsPath! + "/cpuacct.usage"
      func cpuNanos() -> Double {
        Double(((try? String(contentsOfFile: burnerCPU, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
      }
      let t0 = Date(), c0 = cpuNanos()
      let top = try s.garrison(["top", "pods", "--containers", "--window-ms", "2000"])
      let rate = (cpuNanos() - c0) / 1e9 / Date().timeIntervalSince(t0) * 1000
      // top's memory is its second reading, at the end of its window: compare with the files read right after.
      let after = workingSet()
      #expect(top.succeeded, "\(top.output)")
      #expect(top.output.hasPrefix("POD"), "\(top.output)")
      func column(_ ctr: String, _ i: Int) -> Double? {
        top.output.split(separator: "\n").first { $0.split(separator: " ").dropFirst().first == Substring(ctr) }
          .flatMap { Double($0.split(separator: " ")[i].dropLast($0.split(separator: " ")[i].hasSuffix("Mi") ? 2 : 1)) }
      }
      let mem = try #require(column("holder", 3), "\(top.output)")
      #expect(abs(mem - after) <= max(1, after * 0.1), "top \(mem)Mi, cgroup files \(after)Mi")
      let cpu = try #require(column("burner", 2), "\(top.output)")
      if !FileManager.default.fileExists(atPath: burnerCPU) {
        Issue.record("no cpuacct hierarchy here to compare CPU with")
      } else {
        // The file-based rate spans the whole command (start-up included), top's the 2 s window inside it.
        #expect(abs(cpu - rate) <= max(20, rate * 0.1), "top \(cpu)m, cpuacct.usage \(rate)m")
      }
      let node = try Spawn.run([Host.garrison, "top", "node"])
      #expect(node.succeeded && node.output.hasPrefix("NAME"), "\(node.output)")
      let describe = try s.garrison(["describe", "pod", "mon"])
      #expect(describe.output.contains("Usage:"), "\(describe.output)")
    }
  }
}

/// A real Prometheus (Debian's package) scrapes the exporter every second: the burner's CPU rate, the OOM-killed
/// container's kill count and last-terminated reason, and a seccomp denial are all queryable.
@Suite(
  .serialized,
  .enabled(
    if: Host.skipReason == nil && FileManager.default.isExecutableFile(atPath: Exporter.prometheus)
      && FileManager.default.isExecutableFile(atPath: Exporter.curl)
      && FileManager.default.isReadableFile(atPath: "/dev/kmsg") && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"),
    "needs root, crun, busybox-static, prometheus, curl, gcc, a readable /dev/kmsg and the garrison executable"))
struct PrometheusScrapeTests {
  static func require(_ r: Spawn.Result) throws {
    try #require(r.succeeded, "\(r.output)")
  }

  @Test func prometheusSeesCPUAnOOMKillAndASeccompDenial() throws {
    try withScratch { s in
      try Self.require(
        s.apply(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: burn}
          spec:
            containers: [{name: burner, command: ["/bin/sh", "-c", "while :; do :; done"]}]
          """))
      try Self.require(
        s.apply(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: oom}
          spec:
            containers:
            - name: hog
              command: ["/bin/sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\\\0' a); sleep 1000"]
              resources: {limits: {memory: 16Mi}}
          """))
      // Denies unshare at once, then stays alive for the rest of the test.
      try Self.require(SeccompDenialAuditTests.applyDenier(s, linger: 600))
      let (exporter, port) = try Exporter.start(s)
      defer { Exporter.stop(exporter) }
      let promPort = Exporter.freePort()
      let config = s.dir + "/prometheus.yml"
      try """
      global: {scrape_interval: 1s, evaluation_interval: 1s}
      scrape_configs:
        - job_name: garrison
          static_configs: [{targets: ["127.0.0.1:\(port)"]}]
      """.write(toFile: config, atomically: true, encoding: .utf8)
      let log = open(s.dir + "/prometheus.log", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      let prometheus = try Spawn.start(
        [
          Exporter.prometheus, "--config.file=\(config)", "--storage.tsdb.path=\(s.dir)/tsdb",
          "--web.listen-address=127.0.0.1:\(promPort)",
        ], io: SpawnIO(stdout: log, stderr: log))
      close(log)
      defer {
        kill(prometheus, SIGTERM)
        _ = try? Spawn.waitPID(prometheus)
      }
      func query(_ q: String) -> Double? {
        guard
          let r = try? Spawn.run([
            Exporter.curl, "-sS", "--max-time", "5", "http://127.0.0.1:\(promPort)/api/v1/query", "--data-urlencode", "query=\(q)",
          ]),
          r.succeeded, let json = try? JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any],
          let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]], let first = result.first,
          let value = first["value"] as? [Any], value.count == 2, let text = value[1] as? String
        else { return nil }
        return Double(text)
      }
      func eventually(_ what: String, timeout: Double = 60, _ check: (Double) -> Bool, _ q: String) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var last: Double?
        while Date() < deadline {
          last = query(q)
          if let last, check(last) { return }
          usleep(500_000)
        }
        Issue.record("\(what): \(q) = \(last.map { String($0) } ?? "no result") after \(timeout) s")
      }
      eventually("burner CPU", { $0 > 0.5 }, #"sum(rate(container_cpu_usage_seconds_total{pod="burn",container="burner"}[5s]))"#)
      eventually("OOM kills", { $0 >= 1 }, #"max(container_oom_events_total{pod="oom",container="hog"})"#)
      eventually(
        "last terminated reason", { $0 == 1 },
        #"max(kube_pod_container_status_last_terminated_reason{pod="oom",container="hog",reason="OOMKilled"})"#)
      eventually("seccomp denial", { $0 >= 1 }, #"sum(garrison_seccomp_denials_total{pod="denied",container="main",syscall="unshare"})"#)
      eventually("exporter up", { $0 == 1 }, #"up{job="garrison"}"#)
    }
  }
}
