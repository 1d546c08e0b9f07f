import Foundation
import GarrisonKernel
@testable import GarrisonSupervisor
import Testing

/// What a handover takes from a container's log writer (no root, no pod): the pipes with their unfinished lines,
/// or, when those would not fit in the keeper's arguments, the unfinished lines written as `P` lines first.
struct ContainerLogHandoverTests {
  @Test func unfinishedLinesFlushedAtAHandoverAreWrittenOnceAsPartialLines() throws {
    let dir = "/var/tmp/garrison-test-loghandover-\(UInt32.random(in: 0..<UInt32.max))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let writer = try ContainerLogWriter(path: dir + "/0.log")
    let p = try Kernel.pipe()
    writer.copy(from: p.read, stream: "stdout")
    var bytes = Array("whole\nunfinish".utf8)
    _ = write(p.write, &bytes, bytes.count)
    usleep(200_000)
    let handed = try #require(writer.suspend())
    #expect(handed.stdout?.pending == Array("unfinish".utf8) && handed.stdout?.fd == p.read && handed.stderr == nil)
    let flushed = writer.flushSuspended()
    #expect(flushed.stdout?.pending == [] && flushed.stdout?.fd == p.read && flushed.log == handed.log)
    // The handover did not happen: copying goes on from the same pipe, without the flushed bytes again.
    writer.unsuspend()
    bytes = Array("ed\n".utf8)
    _ = write(p.write, &bytes, bytes.count)
    close(p.write)
    writer.finish()
    let lines = try String(contentsOfFile: dir + "/0.log", encoding: .utf8).split(separator: "\n").map {
      $0.split(separator: " ", maxSplits: 3).dropFirst().joined(separator: " ")
    }
    #expect(lines == ["stdout F whole", "stdout P unfinish", "stdout F ed"], "\(lines)")
  }
}
