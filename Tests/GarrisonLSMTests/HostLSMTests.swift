import Foundation
import GarrisonLSMHost
import Glibc
import Testing

/// The one host-LSM probe: what the libraries' answers mean (no root, no LSM needed), and that the probe on
/// this host agrees with the kernel's own files (an independent reading, here only).
struct HostLSMTests {
  struct Answer: Sendable, CustomStringConvertible {
    var aa: Int32
    var aaErrno: Int32
    var se: Int32
    var enforce: Int32
    var want: HostLSM
    var description: String { "aa_is_enabled=\(aa)/\(aaErrno) is_selinux_enabled=\(se) getenforce=\(enforce)" }
  }

  static let answers: [Answer] = [
    Answer(aa: 1, aaErrno: 0, se: 0, enforce: -1, want: HostLSM(appArmor: true, seLinux: nil)),
    // Enabled but securityfs not mounted: the kernel still confines and takes exec labels.
    Answer(aa: 0, aaErrno: ENOENT, se: 0, enforce: -1, want: HostLSM(appArmor: true, seLinux: nil)),
    // Available on AppArmor's own /proc/<pid>/attr/apparmor interface only (LSM stacking).
    Answer(aa: 0, aaErrno: EBUSY, se: 0, enforce: -1, want: HostLSM(appArmor: true, seLinux: nil)),
    Answer(aa: 0, aaErrno: ENOSYS, se: 0, enforce: -1, want: .none),  // no AppArmor in this kernel
    Answer(aa: 0, aaErrno: ECANCELED, se: 0, enforce: -1, want: .none),  // disabled at boot
    Answer(aa: 0, aaErrno: ECANCELED, se: 1, enforce: 1, want: HostLSM(appArmor: false, seLinux: .enforcing)),
    Answer(aa: 0, aaErrno: ECANCELED, se: 1, enforce: 0, want: HostLSM(appArmor: false, seLinux: .permissive)),
    // SELinux on but its mode unreadable: enforcing, the mode that keeps every restriction.
    Answer(aa: 0, aaErrno: ECANCELED, se: 1, enforce: -1, want: HostLSM(appArmor: false, seLinux: .enforcing)),
    Answer(aa: 0, aaErrno: ENOSYS, se: -1, enforce: 1, want: .none),  // is_selinux_enabled failed: off
  ]

  @Test(arguments: answers) func decodesTheLibrariesAnswers(_ a: Answer) {
    #expect(HostLSM.decode(aaIsEnabled: a.aa, aaErrno: a.aaErrno, isSELinuxEnabled: a.se, getenforce: a.enforce) == a.want)
  }

  @Test func probedOncePerProcess() {
    #expect(HostLSM.current == HostLSM.current)
    #expect(HostLSM.probe() == HostLSM.current)
  }

  /// libapparmor's and libselinux's answers agree with the kernel's files on this host.
  @Test func agreesWithTheKernelFiles() {
    let aaParameter = (try? String(contentsOfFile: "/sys/module/apparmor/parameters/enabled", encoding: .utf8)) ?? ""
    #expect(HostLSM.current.appArmor == aaParameter.hasPrefix("Y"))
    let selinuxfs = FileManager.default.fileExists(atPath: "/sys/fs/selinux/enforce")
    #expect(HostLSM.current.seLinuxEnabled == selinuxfs)
  }
}
