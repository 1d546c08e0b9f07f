import Foundation
import GarrisonCore
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import GarrisonLSMHost
import Testing

/// Shared helpers for the container tests: root detection, built binaries, busybox bundles and cleanup.
enum Harness {
  static var isRoot: Bool { getuid() == 0 }

  /// Why container tests cannot run here, or nil when they can.
  static var skipReason: String? {
    if !isRoot { return "container tests need root (uid \(getuid()))" }
    if !FileManager.default.isExecutableFile(atPath: "/bin/busybox") { return "/bin/busybox (busybox-static) missing" }
    if !FileManager.default.isExecutableFile(atPath: ociBinary) { return "\(ociBinary) not built" }
    if !FileManager.default.isExecutableFile(atPath: initBinary) { return "\(initBinary) not built" }
    return nil
  }

  /// The trait of a test that starts containers: skipped, with the reason, where they cannot run.
  static let containers = ConditionTrait.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? ""))

  /// Whether container tests can run (the `containers` trait reports the reason when not).
  static var canRun: Bool { skipReason == nil }

  /// garrison-oci and garrison-init as built with these tests (`swift test -c release` uses the release ones).
  static var ociBinary: String { BuiltProducts.path("garrison-oci") }
  static var initBinary: String { BuiltProducts.path("garrison-init") }

  static let applets = [
    "sh", "cat", "ls", "id", "echo", "touch", "mount", "unshare", "ping", "chown", "mknod", "hostname", "chroot",
    "grep", "sleep", "head", "find", "readlink", "true", "false", "wc", "tr",
  ]

  /// A scratch bundle under /var/tmp with a busybox rootfs; removed by `cleanup`.
  final class Bundle {
    let dir: String
    let stateRoot: String
    var ids: [String] = []
    var rootfs: String { dir + "/rootfs" }

    init() throws {
      dir = "/var/tmp/garrison-it-\(UUID().uuidString.prefix(8))"
      stateRoot = dir + "-state"
      let fm = FileManager.default
      for sub in ["bin", "proc", "sys", "dev", "etc", "tmp"] {
        try fm.createDirectory(atPath: "\(rootfs)/\(sub)", withIntermediateDirectories: true)
      }
      try fm.copyItem(atPath: "/bin/busybox", toPath: "\(rootfs)/bin/busybox")
      for applet in Harness.applets {
        try fm.createSymbolicLink(atPath: "\(rootfs)/bin/\(applet)", withDestinationPath: "busybox")
      }
      try "root:x:0:0:root:/:/bin/sh\nuser:x:1000:1000::/:/bin/sh\n".write(
        toFile: "\(rootfs)/etc/passwd", atomically: true, encoding: .utf8)
    }

    func write(_ spec: RuntimeSpec) throws {
      let enc = JSONEncoder()
      enc.outputFormatting = [.prettyPrinted, .sortedKeys]
      try enc.encode(spec).write(to: URL(fileURLWithPath: dir + "/config.json"))
    }

    /// The seccomp BPF cache garrison-oci uses for this bundle (never the host's `/var/lib/garrison` one).
    var seccompCache: String { dir + "/.seccomp-cache" }

    /// Runs garrison-oci with `--root` set to this bundle's state directory and its own BPF cache.
    func oci(_ args: [String]) throws -> TestProcess.Result {
      var env = ProcessInfo.processInfo.environment
      env["GARRISON_SECCOMP_CACHE"] = seccompCache
      return try TestProcess.run(Harness.ociBinary, ["--root", stateRoot] + args, env: env)
    }

    /// `run` a fresh container with `spec`; returns its result.
    func run(_ spec: RuntimeSpec) throws -> TestProcess.Result {
      try write(spec)
      let id = "it-\(UUID().uuidString.prefix(8))"
      ids.append(id)
      return try oci(["run", "--bundle", dir, id])
    }

    /// Deletes every container this bundle created, then the scratch directories.
    func cleanup() {
      for id in ids { _ = try? oci(["delete", "--force", id]) }
      try? FileManager.default.removeItem(atPath: dir)
      try? FileManager.default.removeItem(atPath: stateRoot)
    }
  }

  /// The value of `key:` in /proc/<pid>/status text.
  static func field(_ status: String, _ key: String) -> String? {
    for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
      return line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
    }
    return nil
  }

  /// Pids of live processes whose mount table mounts something from `path` (a container of this bundle
  /// left running: its root mount line names the rootfs). /proc/<pid>/root would only show "/".
  static func processes(rootedIn path: String) -> [Int32] {
    let me = getpid()
    let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    return pids.filter { pid in
      guard pid != me, let mounts = try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8) else {
        return false
      }
      let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
        .split(separator: ")").last?.split(separator: " ").first
      return mounts.contains(path + "/") && state != "Z"
    }
  }

  /// Detaches every mount whose line mentions `path` in this process's mount namespace, deepest first: the
  /// cleanup of a test that expects none to be left (and fails if there were any).
  static func detachMounts(mentioning path: String) {
    for line in hostMounts(mentioning: path).reversed() {
      _ = umount2(String(line.split(separator: " ")[4]), Int32(MNT_DETACH))
    }
  }

  /// Mount lines mentioning `path` in this process's mount namespace (the host's).
  static func hostMounts(mentioning path: String) -> [String] {
    let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map(String.init).filter { $0.contains(path) }
  }
}
