import Foundation
@testable import GarrisonSeccomp

/// Shared test inputs: the repository's Policies directory and the standard capability sets.
enum Fixtures {
  static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
  static let policyDirectory = repoRoot + "/Policies/seccomp"

  /// containerd's default capability set (14 capabilities).
  static let containerdDefaultCaps: Set<String> = [
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
    "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
  ]

  static func runtimeDefault() throws -> SeccompProfile {
    try SeccompProfile.load(path: policyDirectory + "/runtime-default.json")
  }

  /// A unique scratch directory under /var/tmp.
  static func scratchDirectory(_ tag: String) throws -> String {
    let path = "/var/tmp/garrison-seccomp-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
  }

  static let EPERM: UInt16 = 1
  static let ENOSYS: UInt16 = 38
}
