import Foundation
import Testing
import GarrisonCore
@testable import GarrisonAudit

/// Scratch directories and helpers shared by the audit tests.
enum TestSupport {
  /// Chromium's path, if installed.
  static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
  /// Whether python3 can import jsonschema (the schema tests validate records with it).
  static let hasJSONSchema: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return false }
    return ((try? run("/usr/bin/python3", ["-c", "import jsonschema"], quiet: true))?.0 ?? 1) == 0
  }()
  /// Skips a test, with the reason, without python3-jsonschema.
  static let jsonSchema = ConditionTrait.enabled(
    if: hasJSONSchema, "python3-jsonschema is not installed (scripts/setup.sh installs it)")

  /// A fresh directory under /var/tmp (removed by `cleanup`).
  static func scratch(_ name: String) -> String {
    let path = "/var/tmp/garrison-audit-test-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  static func cleanup(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

  /// The repository root (from this file's path).
  static var repoRoot: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
  }

  /// The built `garrison` executable next to the test bundle (SwiftPM builds it with the tests).
  static var garrisonBinary: String? {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = dir.appendingPathComponent("garrison").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      dir = dir.deletingLastPathComponent()
    }
    return nil
  }

  static func segmentFiles(_ dir: String) throws -> [String] {
    try Segments.list(dir).map { Segments.path(dir, $0) }
  }

  static func read(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path)!) }
  static func write(_ path: String, _ bytes: [UInt8]) { precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes))) }

  /// Runs a process to completion; returns exit status and stdout (`quiet` discards its stderr).
  static func run(_ path: String, _ args: [String], quiet: Bool = false) throws -> (Int32, String) {
    let p = Process()
    if quiet { p.standardError = FileHandle.nullDevice }
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// A small log of `count` exec events with small segments and frequent checkpoints.
  static func smallLog(_ dir: String, count: Int, segmentBytes: Int = 4096, key: [UInt8]? = nil) throws -> AuditLog {
    let log = try AuditLog(directory: dir, hmacKey: key, segmentBytes: segmentBytes, checkpointEvery: 4)
    for i in 0..<count {
      try log.append(AuditEvent(kind: .containerExec, outcome: .allowed,
                                object: AuditObject(namespace: "ns", pod: "p\(i % 3)", podUID: "uid-\(i % 3)", container: "c"),
                                details: AuditDetails.containerExec(command: ["/bin/sh", "-c", "echo \(i)"], uid: 1000, tty: false)))
    }
    return log
  }
}
