import ArgumentParser
import Testing

@testable import GarrisonOCICommands

/// The fast path must produce exactly what ArgumentParser produces for the command lines it takes, and take
/// nothing it cannot parse exactly.
struct FastPathTests {
  /// The call an ArgumentParser-parsed command makes.
  static func call(_ c: any ParsableCommand) -> OCIVerbCall? {
    switch c {
    case let c as OCICreate: return c.call
    case let c as OCIRun: return c.call
    case let c as OCIStart: return c.call
    case let c as OCIState: return c.call
    case let c as OCIKill: return c.call
    case let c as OCIDelete: return c.call
    default: return nil
    }
  }

  @Test(arguments: [
    "state c1",
    "--root /r state c1",
    "--root=/r --log /l --log-format json state c1",
    "state --root /r c1",
    "--debug --systemd-cgroup start c1",
    "kill c1", "kill c1 KILL", "kill --all c1 9", "kill -a c1 SIGTERM",
    "delete c1", "delete --force c1", "--root /r delete -f c1",
    "create c1", "create --bundle /b --pid-file /p c1", "create -b /b --no-pivot --no-new-keyring c1",
    "create --bundle=/b --preserve-fds 0 --console-socket /s c1",
    "--root /r --log /l --log-format json create --bundle /b --pid-file /p c1",
    "run -d -b /b c1", "run --detach --bundle /b --pid-file /p --no-pivot c1",
  ])
  func sameAsArgumentParser(_ line: String) throws {
    let argv = line.split(separator: " ").map(String.init)
    let fast = try #require(OCIFastPath.command(argv), "fast path declined \(line)")
    let parsed = try OCICommand.parseAsRoot(argv)
    #expect(fast == Self.call(parsed))
  }

  @Test(arguments: [
    "", "--help", "state", "state --help", "state -h c1", "state c1 c2", "state --bogus c1", "--root", "--root /a --root /b state c1",
    "kill c1 KILL extra", "delete --force --force c1", "create --bundle c1", "create --bundle /a --bundle /b c1",
    "create --preserve-fds x c1", "create -- c1", "spec", "features", "exec c1 sh", "ps c1", "list",
    "--debug=1 state c1", "delete --force=true c1",
  ])
  func declinesWhatItCannotParseExactly(_ line: String) {
    let argv = line.split(separator: " ").map(String.init)
    #expect(OCIFastPath.command(argv) == nil, "fast path took \(line)")
  }
}
