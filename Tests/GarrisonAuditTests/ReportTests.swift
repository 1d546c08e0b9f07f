import Foundation
import GarrisonCore
import GarrisonTestSupport
import Testing
@testable import GarrisonAudit

@Suite struct ReportTests {
  /// A hand-made log with known contents.
  static func knownLog(_ dir: String) throws {
    let log = try AuditLog(directory: dir, checkpointEvery: 0)
    let t0 = AuditTime(seconds: 1_767_225_600)
    let web = AuditObject(namespace: "web", pod: "nginx", podUID: "u1", container: "nginx")
    let db = AuditObject(namespace: "data", pod: "pg", podUID: "u2", container: "postgres")
    func at(_ s: Int64, _ e: AuditEvent) -> AuditEvent { var e = e; e.time = t0.adding(seconds: s); return e }
    try log.append([
      at(
        0,
        AuditEvent(kind: .podAdmitted, outcome: .allowed, object: web, details: AuditDetails.podAdmitted(planSHA256: "ab", containers: 1))),
      at(
        1,
        AuditEvent(kind: .privilegedContainer, outcome: .allowed, object: web, details: AuditDetails.privileged(reason: "privileged: true"))
      ),
      at(2, AuditEvent(kind: .hostNamespace, outcome: .allowed, object: web, details: AuditDetails.hostNamespaces(["network", "pid"]))),
      at(
        3,
        AuditEvent(
          kind: .capabilityBeyondDefault, outcome: .allowed, object: web,
          details: AuditDetails.capabilitiesBeyondDefault(["CAP_NET_ADMIN", "CAP_SYS_TIME"]))),
      at(
        60,
        AuditEvent(
          kind: .containerExec, outcome: .allowed, object: web, details: AuditDetails.containerExec(command: ["sh"], uid: 0, tty: true))),
      at(
        61,
        AuditEvent(
          kind: .seccompDenied, outcome: .denied, object: db,
          details: AuditDetails.seccompDenied(
            syscall: "mount", number: 165, arch: "c000003e", count: 7, pids: [9], comm: "pg", action: "errno", firstSeen: t0, lastSeen: t0))
      ),
      at(
        62,
        AuditEvent(
          kind: .seccompDenied, outcome: .denied, object: web,
          details: AuditDetails.seccompDenied(
            syscall: "ptrace", number: 101, arch: "c000003e", count: 2, pids: [8], comm: "nginx", action: "errno", firstSeen: t0,
            lastSeen: t0))),
      at(
        120,
        AuditEvent(
          kind: .enforcementReadback, outcome: .error, object: db,
          details: AuditDetails.readback([
            .init(field: "no_new_privs", expected: "1", actual: "0"), .init(field: "uid", expected: "999", actual: "999"),
          ]))),
      at(
        121,
        AuditEvent(
          kind: .lsmUnavailable, outcome: .allowed, object: db,
          details: AuditDetails.fallback(
            mechanism: "apparmor", requested: "runtime/default", applied: "none", reason: "not enabled"))),
      at(
        180,
        AuditEvent(
          kind: .containerOOMKilled, outcome: .error, object: db, details: AuditDetails.oomKilled(cgroup: "/x", previous: 0, current: 1))),
      at(
        181,
        AuditEvent(
          kind: .podRefused, outcome: .denied, object: AuditObject(namespace: "web", pod: "evil"),
          details: AuditDetails.podRefused(checks: [(id: "host-path", message: "no"), (id: "privileged", message: "no")]))),
    ])
  }

  @Test func textReportSummarisesEverySection() throws {
    let dir = TestSupport.scratch("report")
    defer { TestSupport.cleanup(dir) }
    try Self.knownLog(dir)
    let report = try AuditReport.build(directory: dir)
    #expect(report.total == 11)
    #expect(report.byOutcome == [.allowed: 6, .denied: 3, .error: 2])
    #expect(report.privilegedPods == ["web/nginx": ["nginx"]])
    #expect(report.hostNamespacePods == ["web/nginx": ["network", "pid"]])
    #expect(report.capabilitiesBeyondDefault["web/nginx"] == ["CAP_NET_ADMIN", "CAP_SYS_TIME"])
    #expect(report.seccompTotal == 9 && report.seccompBySyscall == ["mount": 7, "ptrace": 2])
    #expect(report.readbackMismatchCount == 1 && report.fallbackCount == 1 && report.execCount == 1)
    #expect(report.oomKillsByContainer == ["data/pg/postgres": 1])
    #expect(report.failureCount == 3)  // readback error, oom error, refused pod (seccomp counted separately)
    let text = report.render(.text)
    for needle in [
      "events   11", "seccomp.denied             0        2       0      2", "mount    7",
      "data/pg/postgres  7", "no_new_privs: expected 1, got 0", "pod.refused: host-path, privileged",
      "apparmor: runtime/default -> none (not enabled)", "web/nginx  network, pid",
    ] {
      #expect(text.contains(needle), "text report lacks \"\(needle)\":\n\(text)")
    }
    let md = report.render(.markdown)
    #expect(md.contains("| syscall | count |\n| --- | --- |\n| mount | 7 |\n| ptrace | 2 |"))
    let json = try JSONParser.parse(report.render(.json))
    #expect(json["total"] == 11 && json["seccomp"]?["by_syscall"]?["mount"] == 7)
  }

  @Test func filtersSelectRecords() throws {
    let dir = TestSupport.scratch("filter")
    defer { TestSupport.cleanup(dir) }
    try Self.knownLog(dir)
    let t0 = AuditTime(seconds: 1_767_225_600)
    #expect(try AuditReport.build(directory: dir, filter: AuditFilter(namespace: "data")).total == 4)
    #expect(try AuditReport.build(directory: dir, filter: AuditFilter(pod: "nginx")).total == 6)
    #expect(try AuditReport.build(directory: dir, filter: AuditFilter(kinds: [.seccompDenied, .podRefused])).total == 3)
    #expect(
      try AuditReport.build(directory: dir, filter: AuditFilter(since: t0.adding(seconds: 60), until: t0.adding(seconds: 121))).total == 4)
  }

  @Test func ocsfExportKeepsEverything() throws {
    let dir = TestSupport.scratch("ocsf")
    defer { TestSupport.cleanup(dir) }
    try Self.knownLog(dir)
    for r in try AuditReader.readAll(directory: dir) {
      let e = OCSFExport.event(r)
      #expect(e["unmapped"]?["garrison"] == r.json, "record \(r.seq) not preserved")
      let isProcess = [.containerExec, .containerStarted, .containerExited, .containerOOMKilled].contains(r.kind)
      #expect(e["class_uid"] == (isProcess ? 1007 : 0))
      #expect(e["metadata"]?["uid"]?.stringValue == String(r.seq))
    }
  }

  @Test func htmlIsSelfContained() throws {
    let dir = TestSupport.scratch("html")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir)
    var gen = SampleEvents(seed: 7)
    try log.append(gen.events(400))
    let html = try AuditReport.build(directory: dir).render(.html)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.components(separatedBy: "<svg").count == 3)
    #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("@import"))
    #expect(!html.contains("{{"))
  }

  @Test func embeddedTemplateMatchesTheFile() throws {
    let file = try String(contentsOfFile: BuiltProducts.repositoryRoot + "/Audit/templates/report.html", encoding: .utf8)
    #expect(HTMLTemplate.report + "\n" == file, "regenerate Sources/GarrisonAudit/HTMLTemplate.swift from Audit/templates/report.html")
  }

  @Test(
    .enabled(
      if: HostTools.find("/usr/bin/chromium", "/usr/bin/chromium-browser") != nil,
      "chromium is not installed (scripts/setup.sh installs it)"))
  func chromiumRendersTheHTMLReport() throws {
    let chromium = try #require(HostTools.find("/usr/bin/chromium", "/usr/bin/chromium-browser"))
    let dir = TestSupport.scratch("chromium")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir + "/audit")
    var gen = SampleEvents(seed: 3)
    try log.append(gen.events(500))
    try AuditReport.build(directory: dir + "/audit").render(.html).write(toFile: dir + "/report.html", atomically: true, encoding: .utf8)
    let status = try TestProcess.run(
      chromium,
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + dir + "/profile",
        "--screenshot=" + dir + "/report.png", "--window-size=1200,1600", "file://" + dir + "/report.html",
      ]
    ).status
    #expect(status == 0)
    let png = try #require(FileManager.default.contents(atPath: dir + "/report.png"))
    #expect(png.count > 10_000 && Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
  }

  @Test(HostTools.jsonSchema) func recordsValidateAgainstTheSchema() throws {
    let dir = TestSupport.scratch("schema")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir + "/audit", checkpointEvery: 50)
    var gen = SampleEvents(seed: 11)
    try log.append(gen.events(600))
    try Self.knownLog(dir + "/audit")
    var records: [String] = []
    var kinds: Set<String> = []
    try AuditReader.forEachRecord(directory: dir + "/audit") {
      records.append($0.json.canonicalString)
      kinds.insert($0.kind.rawValue)
      return true
    }
    let errors = try JSONSchemaCheck.errors(
      documents: records, schema: BuiltProducts.repositoryRoot + "/Audit/schema/audit-event.schema.json", formats: false)
    let firstBad = errors.firstIndex { $0 != nil }
    #expect(firstBad == nil, "record \((firstBad ?? 0) + 1): \(firstBad.flatMap { errors[$0] } ?? "")")
    #expect(kinds.count >= 12)
  }
}
