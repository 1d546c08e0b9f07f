import Foundation
import GarrisonTestSupport
import Testing
import GarrisonCore
@testable import GarrisonAudit

/// Helpers of the audit tests (the process runner, binary locator and schema check are GarrisonTestSupport's).
enum TestSupport {
  /// A fresh directory under /var/tmp (removed by `cleanup`).
  static func scratch(_ name: String) -> String { try! ScratchDirectory("audit-test-\(name)").path }

  static func cleanup(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

  static func segmentFiles(_ dir: String) throws -> [String] {
    try Segments.list(dir).map { Segments.path(dir, $0) }
  }

  static func read(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path)!) }
  static func write(_ path: String, _ bytes: [UInt8]) { precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes))) }

  /// A small log of `count` exec events with small segments and frequent checkpoints.
  static func smallLog(_ dir: String, count: Int, segmentBytes: Int = 4096, key: [UInt8]? = nil) throws -> AuditLog {
    let log = try AuditLog(directory: dir, hmacKey: key, segmentBytes: segmentBytes, checkpointEvery: 4)
    for i in 0..<count {
      try log.append(
        AuditEvent(
          kind: .containerExec, outcome: .allowed,
          object: AuditObject(namespace: "ns", pod: "p\(i % 3)", podUID: "uid-\(i % 3)", container: "c"),
          details: AuditDetails.containerExec(command: ["/bin/sh", "-c", "echo \(i)"], uid: 1000, tty: false)))
    }
    return log
  }
}
