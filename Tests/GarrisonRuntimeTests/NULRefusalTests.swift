import Foundation
import GarrisonCore
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// Issue 13: a NUL byte in an argument, a variable or a path silently cut it short at execve/chdir/mount (the
/// command ran, minus whatever followed the NUL). garrison-oci refuses such a config by field (exit 2).
@Suite struct NULRefusalTests {
  @Test(arguments: ["process.args[1]", "process.env[0]", "process.cwd", "mounts[0].destination", "mounts[0].source"])
  func nulIsRefusedByField(field: String) throws {
    var spec = DefaultSpec.make(args: ["/bin/true"])
    switch field {
    case "process.args[1]": spec.process!.args = ["/bin/echo", "safe\u{0} && rm -rf /"]
    case "process.env[0]": spec.process!.env = ["PATH=/bin\u{0}:/evil"]
    case "process.cwd": spec.process!.cwd = "/tmp\u{0}/x"
    case "mounts[0].destination": spec.mounts![0].destination = "/proc\u{0}x"
    default: spec.mounts![0].source = "proc\u{0}x"
    }
    let error = try #require(try RuntimeSpecFixtures.buildError(spec))
    #expect(error.fieldPath?.description == field)
    #expect(error.message.contains("NUL"))
    #expect(error.exitCode == 2)
  }
}
