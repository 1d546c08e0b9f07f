import Foundation
import GarrisonCore
import GarrisonTestSupport
import Testing
@testable import GarrisonAudit

/// Multi-process behaviour, using the built `garrison` binary's hidden `audit append` subcommand.
@Suite(.serialized) struct ProcessTests {
  /// Parses `SEQ TAG I` lines; only complete lines count as acknowledged.
  static func acknowledged(_ out: String) -> [(seq: UInt64, tag: String, i: Int)] {
    var lines = out.split(separator: "\n", omittingEmptySubsequences: false)
    lines.removeLast()  // text after the last newline is incomplete (or empty)
    return lines.map { l in
      let p = l.split(separator: " ")
      return (UInt64(p[0])!, String(p[1]), Int(p[2])!)
    }
  }

  static func checkAcknowledged(_ acks: [(seq: UInt64, tag: String, i: Int)], in records: [UInt64: AuditRecord]) {
    for a in acks {
      let r = records[a.seq]
      #expect(
        r?.details["tag"]?.stringValue == a.tag && r?.details["i"]?.intValue == Int64(a.i),
        "acknowledged seq \(a.seq) (\(a.tag) \(a.i)) lost or changed")
    }
  }

  @Test(HostTools.built("garrison")) func sigkillAtRandomPointsLosesNoAcknowledgedEvent() throws {
    let garrison = BuiltProducts.path("garrison")
    let dir = TestSupport.scratch("sigkill")
    defer { TestSupport.cleanup(dir) }
    var acks: [(seq: UInt64, tag: String, i: Int)] = []
    var killedMidway = 0
    var tears = 0
    let rounds = 200
    for round in 0..<rounds {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: garrison)
      p.arguments = [
        "audit", "append", "--audit-dir", dir, "--count", "0", "--batch", String(1 + round % 4),
        "--tag", "r\(round)", "--segment-bytes", "65536", "--checkpoint-every", "50",
      ]
      let out = Pipe()
      p.standardOutput = out
      try p.run()
      // Wait for the first acknowledgement (the writer is in its append loop), then kill at a random point.
      var data = out.fileHandleForReading.availableData
      usleep(UInt32.random(in: 0...20_000))
      kill(p.processIdentifier, SIGKILL)
      data += out.fileHandleForReading.readDataToEndOfFile()
      p.waitUntilExit()
      #expect(p.terminationReason == .uncaughtSignal)
      let text = String(decoding: data, as: UTF8.self)
      let got = Self.acknowledged(text)
      if got.isEmpty { killedMidway += 1 }  // killed before its first append returned
      acks += got
      if round % 4 == 3 {
        // SIGKILL cannot split a write(2) to a regular file, so also simulate what a power cut leaves: a partial
        // frame at the end of the last segment. The next writer must cut it and log audit.recovered.
        // (The last segment may be empty when the kill hit between creating it and writing to it.)
        let files = try TestSupport.segmentFiles(dir)
        let seg = files.last!
        let tail = TestSupport.read(files[0]).split(separator: 0x0A).first!
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: seg))
        try h.seekToEnd()
        try h.write(contentsOf: Data(tail.prefix(Int.random(in: 1..<max(2, tail.count)))))
        try h.close()
        tears += 1
      }
      if round % 50 == 49 {
        // The next writer recovers any torn tail; verify passes after that.
        _ = try AuditLog(directory: dir, segmentBytes: 65536, checkpointEvery: 50)
        let r = try AuditVerifier.verify(directory: dir)
        #expect(r.ok, "round \(round): \(String(describing: r.problem))")
      }
    }
    let log = try AuditLog(directory: dir, segmentBytes: 65536, checkpointEvery: 50)
    _ = log
    let result = try AuditVerifier.verify(directory: dir)
    #expect(result.ok, "\(String(describing: result.problem))")
    let records = Dictionary(uniqueKeysWithValues: try AuditReader.readAll(directory: dir).map { ($0.seq, $0) })
    Self.checkAcknowledged(acks, in: records)
    #expect(acks.count > rounds, "too few acknowledged appends to mean anything (\(acks.count))")
    let recovered = records.values.filter { $0.kind == .auditRecovered }.count
    // Every simulated torn tail is recovered; a SIGKILL that lands inside a multi-write append (a large batch or a
    // segment rotation) can leave a real torn tail too, and recovering it is exactly the behaviour under test.
    #expect(recovered >= tears, "every simulated torn tail must be recovered")
    #expect(recovered <= tears + rounds, "at most one recovery per kill beyond the simulated tears")
    print(
      "sigkill: \(rounds) kills, \(acks.count) acknowledged events, \(records.count) records, \(recovered) torn tails recovered, \(killedMidway) rounds killed before their first ack"
    )
  }

  @Test(HostTools.built("garrison")) func concurrentWritersProduceOneValidChain() throws {
    let garrison = BuiltProducts.path("garrison")
    let dir = TestSupport.scratch("concurrent")
    defer { TestSupport.cleanup(dir) }
    let writers = 4, each = 150
    var procs: [(Process, Pipe)] = []
    for w in 0..<writers {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: garrison)
      p.arguments = [
        "audit", "append", "--audit-dir", dir, "--count", String(each), "--batch", String(1 + w % 2),
        "--tag", "w\(w)", "--segment-bytes", "32768",
      ]
      let out = Pipe()
      p.standardOutput = out
      try p.run()
      procs.append((p, out))
    }
    var acks: [(seq: UInt64, tag: String, i: Int)] = []
    for (p, out) in procs {
      let data = out.fileHandleForReading.readDataToEndOfFile()
      p.waitUntilExit()
      #expect(p.terminationStatus == 0)
      acks += Self.acknowledged(String(decoding: data, as: UTF8.self))
    }
    #expect(acks.count == writers * each)
    #expect(Set(acks.map(\.seq)).count == acks.count, "two writers got the same seq")
    let result = try AuditVerifier.verify(directory: dir)
    #expect(result.ok, "\(String(describing: result.problem))")
    #expect(try Segments.list(dir).count > 1)
    let records = Dictionary(uniqueKeysWithValues: try AuditReader.readAll(directory: dir).map { ($0.seq, $0) })
    Self.checkAcknowledged(acks, in: records)
    #expect(Set(records.values.compactMap { $0.kind == .containerExec ? $0.actor.pid : nil }).count == writers)
  }

  @Test(HostTools.built("garrison")) func verifyCommandExitCodes() throws {
    let garrison = BuiltProducts.path("garrison")
    let dir = TestSupport.scratch("cli")
    defer { TestSupport.cleanup(dir) }
    _ = try TestSupport.smallLog(dir, count: 6, segmentBytes: 1 << 20)
    let cpFile = dir + "-checkpoint.jsonl"
    defer { TestSupport.cleanup(cpFile) }
    #expect(try TestProcess.run(garrison, ["audit", "checkpoint", "export", "--audit-dir", dir, "-o", cpFile]).status == 0)
    let ok = try TestProcess.run(garrison, ["audit", "verify", "--audit-dir", dir, "--checkpoint", cpFile])
    #expect(ok.status == 0 && ok.output.hasPrefix("ok: 8 records"), "\(ok.output)")
    let file = try TestSupport.segmentFiles(dir).last!
    var lines = TestSupport.read(file).split(separator: 0x0A).map { Array($0) + [0x0A] }
    lines.removeLast()
    TestSupport.write(file, lines.flatMap { $0 })
    let broken = try TestProcess.run(garrison, ["audit", "verify", "--audit-dir", dir, "--checkpoint", cpFile])
    #expect(broken.status == 1)
    #expect(broken.output.contains("segment-00000001.jsonl:8: seq 8: log ends at seq 7"), "\(broken.output)")
    let tail = try TestProcess.run(garrison, ["audit", "tail", "--audit-dir", dir, "-n", "2"])
    #expect(tail.status == 0 && tail.output.split(separator: "\n").count == 2 && tail.output.hasPrefix("6 "), "\(tail.output)")
  }
}
