import Foundation
@testable import GarrisonInitProtocol
import GarrisonOCI
import GarrisonTestSupport
import Testing

/// Descriptors beyond stdio reach the container process only when asked for, as with runc: `--preserve-fds N`
/// (create, run, exec) and socket activation (`LISTEN_FDS`/`LISTEN_PID` of garrison-oci itself, create and run),
/// on 3…; everything else inherited stays out.
@Suite(.serialized) struct PreservedFDsTests {
  /// Runs garrison-oci through /bin/sh with fds 3 and 4 open on two files holding `three` and `four`;
  /// `prefix` goes before garrison-oci on the `exec` line (e.g. an `env` setting LISTEN_FDS).
  func withTwoFiles(_ b: Harness.Bundle, _ args: [String], prefix: String = "") throws -> TestProcess.Result {
    try "three\n".write(toFile: b.dir + "/f3", atomically: true, encoding: .utf8)
    try "four\n".write(toFile: b.dir + "/f4", atomically: true, encoding: .utf8)
    let command = ([Harness.ociBinary, "--root", b.stateRoot] + args).map { "'\($0)'" }.joined(separator: " ")
    return try TestProcess.run("/bin/sh", ["-c", "exec 3<'\(b.dir)/f3' 4<'\(b.dir)/f4'; exec \(prefix) \(command)"])
  }

  /// What the container process reports: its descriptors, what 3 and 4 hold, and its LISTEN_ variables.
  static let probe = [
    "/bin/sh", "-c",
    "echo fds $(ls /proc/self/fd | tr '\\n' ' '); cat <&3; cat <&4; echo listen=$LISTEN_FDS:$LISTEN_PID",
  ]

  @Test(Harness.containers) func preserveFDsHandsThemOnInOrderAndNothingElse() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(Self.probe))
    let id = "it-preserve"
    b.ids.append(id)
    let r = try withTwoFiles(b, ["run", "--preserve-fds", "2", "--bundle", b.dir, id])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    // ls's own directory descriptor is the one above 4.
    let fds = Set((lines.first ?? "").split(separator: " ").dropFirst().map(String.init))
    #expect(fds.isSuperset(of: ["0", "1", "2", "3", "4"]) && fds.count <= 6, "\(lines)")
    #expect(Array(lines.dropFirst().prefix(3)) == ["three", "four", "listen=:"], "\(lines)")

    // Without the option the same open descriptors stay out (the caller's fd 3 and 4 are not the container's).
    let plain = try withTwoFiles(b, ["run", "--bundle", b.dir, id + "-plain"])
    b.ids.append(id + "-plain")
    #expect(!plain.stdout.contains("three") && !plain.stdout.contains("four"), "\(plain.stdout)")
  }

  @Test(Harness.containers) func socketActivationDescriptorsComeFirstWithTheirVariables() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(Self.probe))
    let id = "it-listen"
    b.ids.append(id)
    // LISTEN_PID is the pid `env` and then garrison-oci run as ($$ of the shell that execs them).
    let r = try withTwoFiles(
      b, ["run", "--preserve-fds", "1", "--bundle", b.dir, id],
      prefix: "env LISTEN_FDS=1 LISTEN_PID=$$")
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(Array(lines.dropFirst().prefix(3)) == ["three", "four", "listen=1:1"], "\(lines)")
    // Another process's LISTEN_FDS are not ours: nothing is passed, nothing is set.
    let other = try withTwoFiles(b, ["run", "--bundle", b.dir, id + "-other"], prefix: "env LISTEN_FDS=1 LISTEN_PID=1")
    b.ids.append(id + "-other")
    #expect(other.stdout.contains("listen=:") && !other.stdout.contains("three"), "\(other.stdout)")
  }

  @Test(Harness.containers) func execPreservesToo() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(["/bin/sleep", "30"]))
    let id = "it-preserve-exec"
    b.ids.append(id)
    #expect(try b.oci(["run", "--detach", "--bundle", b.dir, id]).status == 0)
    let r = try withTwoFiles(b, ["exec", "--preserve-fds", "2", id, "/bin/sh", "-c", "cat <&3; cat <&4"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout == "three\nfour\n", "\(r.stdout)")
    #expect(try b.oci(["delete", "--force", id]).status == 0)
  }

  @Test(Harness.containers) func aDescriptorThatIsNotOpenIsRefusedBeforeAnythingExists() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(["/bin/true"]))
    let id = "it-preserve-missing"
    let r = try withTwoFiles(b, ["run", "--preserve-fds", "3", "--bundle", b.dir, id])
    #expect(r.status == 2 && r.stderr.contains("run --preserve-fds 3: descriptor 5 is not open"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "\(b.stateRoot)/\(id)"))
  }

  @Test func theInitsCommandLineCarriesTheCount() throws {
    let arguments = InitArguments(preservedFDs: 2)
    #expect(try InitArguments.parse(arguments.rendered) == arguments)
    #expect(throws: InitFailure.self) { try InitArguments.parse(["--preserved-fds=0"]) }
    #expect(throws: InitFailure.self) { try InitArguments.parse(["--preserved-fds=\(InitArguments.maxPreservedFDs + 1)"]) }
  }
}
