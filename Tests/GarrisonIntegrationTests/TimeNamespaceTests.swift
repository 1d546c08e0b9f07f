import Foundation
import GarrisonCore
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// A time namespace with `linux.timeOffsets`: the container's boot-time and monotonic clocks are shifted (read
/// inside, in the container and in an exec'd process), the host's are not, and offsets without a new time
/// namespace or for a clock a time namespace does not have are refused by name.
@Suite(.serialized) struct TimeNamespaceTests {
  /// Skips a test where the kernel has no time namespaces.
  static let timeNamespaces = ConditionTrait.enabled(
    if: FileManager.default.fileExists(atPath: "/proc/self/ns/time"), "this kernel has no time namespaces (CONFIG_TIME_NS)")
  static let boottime: Int64 = 1_000_000
  static let monotonic: Int64 = 500

  func spec(_ args: [String]) -> RuntimeSpec {
    var spec = RuntimeSpecFixtures.restricted(args)
    spec.linux!.namespaces!.append(.init(type: "time"))
    spec.linux!.timeOffsets = ["boottime": .init(secs: Self.boottime), "monotonic": .init(secs: Self.monotonic, nanosecs: 5)]
    return spec
  }

  /// Seconds since boot as /proc/uptime says (its first field reads CLOCK_BOOTTIME in the reader's namespace).
  static func uptime(_ text: String) -> Double? {
    text.split(whereSeparator: \.isWhitespace).first.flatMap { Double($0) }
  }

  @Test(TimeNamespaceTests.timeNamespaces, Harness.containers) func clocksAreShiftedInsideOnly() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let r = try b.run(spec(["/bin/sh", "-c", "cat /proc/uptime; cat /proc/self/timens_offsets"]))
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
    let inside = try #require(lines.first.flatMap(Self.uptime), "\(r.stdout)")
    let host = try #require(Self.uptime(try String(contentsOfFile: "/proc/uptime", encoding: .utf8)))
    #expect(inside >= Double(Self.boottime) && inside - Double(Self.boottime) <= host + 1, "inside \(inside), host \(host)")
    #expect(host < Double(Self.boottime) || host > inside, "the host's clock moved: \(host)")
    // The kernel lists the namespace's offsets by clock name.
    #expect(lines.contains("monotonic \(Self.monotonic) 5"), "\(r.stdout)")
    #expect(lines.contains("boottime \(Self.boottime) 0"), "\(r.stdout)")
  }

  @Test(Harness.containers, TimeNamespaceTests.timeNamespaces) func execJoinsTheContainersTimeNamespace() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(spec(["/bin/sleep", "30"]))
    let id = "it-timens"
    b.ids.append(id)
    #expect(try b.oci(["run", "--detach", "--bundle", b.dir, id]).status == 0)
    let ex = try b.oci(["exec", id, "/bin/cat", "/proc/uptime"])
    #expect(ex.status == 0, "\(ex.stderr)")
    #expect((Self.uptime(ex.stdout) ?? 0) >= Double(Self.boottime), "\(ex.stdout)")
    #expect(try b.oci(["delete", "--force", id]).status == 0)
  }

  @Test func offsetsNeedANewTimeNamespaceAndKnownClocks() throws {
    func error(_ mutate: (inout RuntimeSpec) -> Void) throws -> GarrisonError? {
      var s = spec(["/bin/true"])
      mutate(&s)
      return try RuntimeSpecFixtures.buildError(s)
    }
    let noNamespace = try error { $0.linux!.namespaces!.removeAll { $0.type == "time" } }
    #expect(noNamespace?.fieldPath?.description == "linux.timeOffsets", "\(String(describing: noNamespace))")
    let badClock = try error { $0.linux!.timeOffsets!["realtime"] = .init(secs: 1) }
    #expect(badClock?.fieldPath?.description == "linux.timeOffsets[realtime]", "\(String(describing: badClock))")
    let badNanos = try error { $0.linux!.timeOffsets!["boottime"] = .init(secs: 1, nanosecs: 1_000_000_000) }
    #expect(badNanos?.fieldPath?.description == "linux.timeOffsets[boottime].nanosecs", "\(String(describing: badNanos))")
    // config.json with offsets goes through JSONDecoder (the fast reader leaves this rare field to it).
    let config = #"{"ociVersion": "1.2.0", "linux": {"timeOffsets": {"boottime": {"secs": 7}}}}"#
    #expect(try BundleLoader.decode(Data(config.utf8)).linux?.timeOffsets == ["boottime": .init(secs: 7)])
  }
}
