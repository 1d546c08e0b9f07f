import Foundation
import GarrisonSeccomp
import Testing
@testable import GarrisonCompiler

/// Golden plans: compiling the inputs under Golden/ gives exactly the committed plan files.
/// Regenerate with `GARRISON_UPDATE_GOLDEN=1 swift test --filter GoldenPlanTests` and review the diff.
struct GoldenPlanTests {
  static var dir: URL {
    var u = URL(fileURLWithPath: #filePath)
    u.deleteLastPathComponent()
    return u.appendingPathComponent("Golden")
  }

  /// Fixed inputs so the plans do not depend on this host: kernel 6.1, no BPF compilation (its bytes depend on
  /// the libseccomp version; BPF is checked in GarrisonSeccompTests).
  static var options: CompilerOptions {
    CompilerOptions(kernelVersion: KernelVersion(6, 1, 0), compileBPF: false, bpfCacheDirectory: Fixture.testBPFCache)
  }

  @Test(arguments: ["restricted-pod", "mixed-deployment"])
  func matchesGolden(name: String) throws {
    let yaml = try String(contentsOf: Self.dir.appendingPathComponent("\(name).yaml"), encoding: .utf8)
    let compiled = try Fixture.compile(yaml, options: Self.options)
    for c in compiled {
      let file = Self.dir.appendingPathComponent("\(name).\(c.plan.container.name).plan.json")
      let actual = try CanonicalJSON.pretty(c.plan) + Data("\n".utf8)
      if ProcessInfo.processInfo.environment["GARRISON_UPDATE_GOLDEN"] == "1" {
        try actual.write(to: file)
        continue
      }
      let expected = try Data(contentsOf: file)
      #expect(String(decoding: actual, as: UTF8.self) == String(decoding: expected, as: UTF8.self), "\(file.lastPathComponent) differs")
    }
  }
}
