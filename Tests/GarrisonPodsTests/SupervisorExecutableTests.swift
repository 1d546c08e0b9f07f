import Foundation
import GarrisonCore
import GarrisonKernel
@testable import GarrisonSupervisor
import GarrisonTestSupport
import Testing

/// The slim supervisor's own pieces: its command line, the Foundation-free timestamps, threads and waits it uses
/// instead of Foundation's.
@Suite struct SupervisorExecutableTests {
  static let binary = BuiltProducts.path("garrison-supervisor")

  @Test(arguments: [
    [String](),
    ["--root", "/var/tmp/x"],
    ["--root", "/var/tmp/x", "--namespace", "default"],
    ["--root", "/var/tmp/x", "--namespace", "default", "--name", "p", "--name", "q"],
    ["--root", "/var/tmp/x", "--namespace", "default", "--name"],
    ["--root", "/var/tmp/x", "--namespace", "default", "--name", "p", "--verbose"],
  ])
  func badCommandLinesAreUsageErrors(args: [String]) {
    #expect(throws: GarrisonError.self) { _ = try SupervisorMain.run(arguments: args) }
    #expect((try? SupervisorMain.run(arguments: args)) == nil)
  }

  @Test(arguments: [("../..", "p"), ("default", "../p"), ("default", "-p"), ("a\u{0}b", "p")])
  func hostileNamesAreRefusedBeforeAnyPath(namespace: String, name: String) {
    do {
      _ = try SupervisorMain.run(root: "/var/tmp/garrison-no-such-root", namespace: namespace, name: name)
      Issue.record("accepted \(namespace)/\(name)")
    } catch let e as GarrisonError {
      #expect(e.exitCode == 2, "\(e)")
      #expect(e.description.contains("Invalid value"), "\(e)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: SupervisorExecutableTests.binary), "garrison-supervisor is not built"))
  func executableRefusesHostileNamesWithExitTwo() throws {
    let r = try Spawn.run([Self.binary, "--root", "/var/tmp/garrison-no-such-root", "--namespace", "../..", "--name", "p"])
    #expect(r.status == .exited(2), "\(r.output)")
    #expect(r.output.contains("Invalid value"), "\(r.output)")
    let missing = try Spawn.run([Self.binary, "--root", "/var/tmp/garrison-no-such-root", "--namespace", "default", "--name", "p"])
    #expect(missing.status != .exited(0) && missing.output.contains("no pod record"), "\(missing.output)")
  }

  /// `Timestamps.format` prints whole milliseconds as ISO8601DateFormatter did, and reads back equal.
  @Test func timestampsWithoutFoundationFormatter() throws {
    let d = Date(timeIntervalSince1970: 1_700_000_000.123)
    #expect(Timestamps.format(d) == "2023-11-14T22:13:20.123Z")
    #expect(Timestamps.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    let back = try #require(Timestamps.parse(Timestamps.format(d)))
    #expect(Timestamps.format(back) == Timestamps.format(d))
    #expect(abs(back.timeIntervalSince(d)) < 0.001)
    #expect(CRILog.timestamp().utf8.count == "2026-01-01T00:00:00.000000000Z".utf8.count)
  }

  @Test func parallelPerformRunsEveryIndexOnce() {
    for n in [0, 1, 5] {
      let slots = FanOutSlots<Int>(count: n)
      BlockingFanOut.perform(n) { k in slots.set(k, k * k) }
      #expect((0..<n).map { slots.get($0) } == (0..<n).map { $0 * $0 })
    }
  }

  @Test func conditionWaitTimesOut() {
    let c = Condition()
    let start = Kernel.monotonicNanoseconds()
    c.lock()
    let woken = c.wait(seconds: 0.05)
    c.unlock()
    #expect(!woken)
    #expect(Kernel.monotonicNanoseconds() - start >= 40_000_000)
  }
}
