import Foundation
import GarrisonAudit
import GarrisonPods
import GarrisonTestSupport
import Testing

/// Why the integration tests cannot run here, or nil when they can (root, crun, the garrison executable).
enum Host {
  static let repo = BuiltProducts.repositoryRoot
  static let garrison = BuiltProducts.path("garrison")

  static let crun: String? = ["/usr/bin/crun", "/usr/local/bin/crun"].first { FileManager.default.isExecutableFile(atPath: $0) }

  /// garrison-oci (with garrison-init beside it) from this checkout's build, if built.
  static let garrisonOCI: String? = {
    let dir = (garrison as NSString).deletingLastPathComponent
    let oci = dir + "/garrison-oci", initBinary = dir + "/garrison-init"
    let fm = FileManager.default
    return fm.isExecutableFile(atPath: oci) && fm.isExecutableFile(atPath: initBinary) ? oci : nil
  }()

  static let skipReason: String? = {
    if geteuid() != 0 { return "pod integration tests need root (namespaces, mounts, cgroups)" }
    if crun == nil { return "crun is not installed (apt-get install crun)" }
    if !FileManager.default.isExecutableFile(atPath: "/bin/busybox") { return "/bin/busybox (busybox-static) is missing" }
    if !FileManager.default.isExecutableFile(atPath: garrison) { return "the garrison executable is not built at \(garrison)" }
    return nil
  }()

  /// True when the tests can run (the suites' traits report a skip with its reason).
  static var canRun: Bool { skipReason == nil }
}

/// A scratch state root with a busybox rootfs; deletes every pod it started and removes itself.
final class Scratch {
  let dir: String
  var root: String { dir + "/state" }
  var rootfs: String { dir + "/rootfs" }
  var manager: PodManager { PodManager(root: root) }

  /// `/garrison` in every cgroup mount that existed before this scratch: the pods' shared parent cgroup,
  /// which the runtimes create and keep; tear-down removes the ones the test made (when empty).
  let cgroupBasesBefore: Set<String>

  /// `<mount>/garrison` for every cgroup and cgroup2 mount.
  static func cgroupBases() -> [String] {
    let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
    return mountinfo.split(separator: "\n").compactMap { line -> String? in
      let f = line.split(separator: " ")
      guard let dash = f.firstIndex(of: "-"), dash + 1 < f.count, f.count > 4,
        f[dash + 1] == "cgroup" || f[dash + 1] == "cgroup2"
      else { return nil }
      return String(f[4]) + "/garrison"
    }
  }

  init() throws {
    cgroupBasesBefore = Set(Self.cgroupBases().filter { FileManager.default.fileExists(atPath: $0) })
    dir = "/var/tmp/garrison-test-\(UInt32.random(in: 0..<UInt32.max))"
    let fm = FileManager.default
    try fm.createDirectory(atPath: rootfs + "/bin", withIntermediateDirectories: true)
    for d in ["proc", "sys", "dev", "etc", "tmp"] { try fm.createDirectory(atPath: rootfs + "/" + d, withIntermediateDirectories: true) }
    try fm.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
    let list = try Spawn.run(["/bin/busybox", "--list"]).output.split(separator: "\n")
    for applet in list where applet != "busybox" {
      try fm.createSymbolicLink(atPath: rootfs + "/bin/" + applet, withDestinationPath: "busybox")
    }
    try "root:x:0:0:root:/root:/bin/sh\n".write(toFile: rootfs + "/etc/passwd", atomically: true, encoding: .utf8)
  }

  /// Runs `garrison ARGS --root ROOT`.
  @discardableResult
  func garrison(_ args: [String], stdin: String? = nil) throws -> Spawn.Result {
    var inFD: Int32? = nil
    if let stdin {
      let file = dir + "/stdin-\(UInt32.random(in: 0..<UInt32.max)).yaml"
      try stdin.write(toFile: file, atomically: true, encoding: .utf8)
      inFD = open(file, O_RDONLY)
    }
    defer { if let inFD { close(inFD) } }
    return try Spawn.run([Host.garrison] + args + ["--root", root], stdin: inFD)
  }

  /// `garrison apply` with the test defaults: this rootfs, crun, no network, fast backoff, no RuntimeDefault seccomp.
  @discardableResult
  func apply(_ yaml: String, extra: [String] = ["--network", "none"], useRootfs: Bool = true, runtime: String? = nil) throws -> Spawn.Result
  {
    let file = dir + "/m-\(UInt32.random(in: 0..<UInt32.max)).yaml"
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    return try garrison(
      ["apply", "-f", file] + (useRootfs ? ["--rootfs", rootfs] : []) + [
        "--runtime", runtime ?? Host.crun!, "--no-seccomp-default",
        "--backoff-base", "0.2",
      ] + extra)
  }

  func wait(_ name: String, ns: String = "default", timeout: Double = 20, _ until: (PodView) -> Bool) throws -> PodView {
    let v = try manager.wait(ns, name, timeout: timeout, until: until)
    guard let v else { throw TestFailure("pod \(ns)/\(name) does not exist") }
    return v
  }

  /// `kind object` of every audit record under this root (`pod.admitted default/shared`, ...).
  func auditRecords() throws -> [String] {
    try AuditReader.readAll(directory: AuditPaths.directory(root: root)).map {
      "\($0.kind.rawValue) \($0.object.podKey)" + ($0.object.container.map { "/\($0)" } ?? "")
    }
  }

  func log(_ pod: String, _ container: String, ns: String = "default", restart: Int = 0) -> String {
    let p = PodPaths(root: root, namespace: ns, name: pod).log(container, restart: restart)
    return CRILog.render((try? String(contentsOfFile: p, encoding: .utf8)) ?? "")
  }

  /// Deletes every pod, checks nothing is left mounted, removes the scratch directory.
  func tearDown() throws {
    for v in (try? manager.list(namespace: nil)) ?? [] {
      try manager.delete(v.record.namespace, v.record.name, grace: 1)
    }
    let left = try PodCleanup.mountsUnder(dir)
    #expect(left.isEmpty, "mounts left under \(dir): \(left)")
    // The shared parent cgroups this test made, once empty (a non-empty one fails rmdir and stays).
    for base in Self.cgroupBases() where !cgroupBasesBefore.contains(base) { rmdir(base) }
    if left.isEmpty { try FileManager.default.removeItem(atPath: dir) }
  }
}

struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

/// Runs `body` with a scratch root that is always torn down.
func withScratch(_ body: (Scratch) throws -> Void) throws {
  let s = try Scratch()
  defer { #expect(throws: Never.self) { try s.tearDown() } }
  try body(s)
}
