import Foundation
import GarrisonTestSupport
import Testing

/// Replays the checked-in fuzz corpus (Fuzz/corpus/TARGET) and every finding kept as a regression input
/// (Fuzz/regressions/TARGET) through the normal build's `garrison-fuzz` replayer: the same harnesses and checks
/// libFuzzer runs, once per file. Findings in code another change owns and has not fixed yet live in
/// Fuzz/regressions/TARGET-open and are replayed as known issues.
@Suite struct FuzzReplayTests {
  static let repo = BuiltProducts.repositoryRoot
  static let binary = BuiltProducts.path("garrison-fuzz")

  static let targets = ["json", "yaml", "quantity", "runtime-spec", "init-spec", "audit", "tar"]

  /// Runs the replayer; returns its exit status and output.
  static func replay(_ target: String, _ dirs: [String], filters: Bool = true) throws -> (Int32, String) {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("garrison-fuzz-test-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = [target] + dirs
    var env = ProcessInfo.processInfo.environment
    env["GARRISON_FUZZ_SCRATCH"] = scratch
    env["SWIFT_BACKTRACE"] = "enable=no"
    if !filters { env["GARRISON_FUZZ_NO_FILTERS"] = "1" }
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  static func inputs(_ dir: String) -> [String] {
    let path = repo + "/Fuzz/" + dir
    return FileManager.default.fileExists(atPath: path) ? [path] : []
  }

  @Test(arguments: targets.filter { $0 != "tar" })
  func corpusAndRegressionsReplayClean(_ target: String) throws {
    try replayClean(target)
  }

  @Test(.enabled(if: geteuid() == 0, "the tar harness chroots into its scratch directory and needs root"))
  func tarCorpusAndRegressionsReplayClean() throws {
    try replayClean("tar")
  }

  func replayClean(_ target: String) throws {
    let dirs = Self.inputs("corpus/\(target)") + Self.inputs("regressions/\(target)")
    #expect(!dirs.isEmpty, "no corpus for \(target)")
    let (status, output) = try Self.replay(target, dirs)
    #expect(status == 0, "garrison-fuzz \(target) found something:\n\(output.suffix(4000))")
    #expect(output.contains("no finding"))
  }

  /// Findings in code under another change (the image store's extraction), kept until that change fixes them.
  @Test(arguments: targets)
  func openFindingsStillReproduceOrAreFixed(_ target: String) throws {
    let dirs = Self.inputs("regressions/\(target)-open")
    guard !dirs.isEmpty else { return }  // no open finding for this target: nothing to replay
    try #require(target != "tar" || geteuid() == 0, "open tar findings need root to replay (the harness chroots)")
    for file in try FileManager.default.contentsOfDirectory(atPath: dirs[0]).sorted() where !file.hasPrefix(".") && !file.hasSuffix(".md") {
      let (status, output) = try Self.replay(target, [dirs[0] + "/" + file], filters: false)
      withKnownIssue("open finding \(target)/\(file), reported to the owner of the code", isIntermittent: true) {
        #expect(status == 0, "\(file): \(output.suffix(2000))")
      }
    }
  }
}
