import GarrisonInit
import GarrisonInitProtocol
import GarrisonKernel
import Testing

/// The credential block's order, recorded through `RecordingPrivilegeKernel` (no root needed).
struct InitOrderTests {
  func spec(nnp: Bool, seccomp: Bool = true) -> InitSpec {
    var s = InitSpec(
      mode: .create, rootfs: "/", lastCap: 3, user: .init(uid: 1000, gid: 1000, additionalGids: [5]),
      noNewPrivileges: nnp, cwd: "/", args: ["/bin/true"], env: [])
    s.capabilities = CapabilitySets(
      bounding: 0b0101, effective: 0b0001, permitted: 0b0101, inheritable: 0b0001,
      ambient: 0b0001)
    if seccomp { s.seccomp = .init(bpf: Array(repeating: 0, count: 16), flags: 2) }
    s.user.umask = 0o22
    return s
  }

  let tail = [
    "prctl 8 1", "setgroups [5]", "setresgid 1000", "setresuid 1000", "prctl 8 0", "capset e=1 p=5 i=1",
    "clearAmbient", "raiseAmbient 0",
  ]

  @Test func noNewPrivsThenSeccompLast() throws {
    var setup = CredentialSetup(spec: spec(nnp: true), kernel: RecordingPrivilegeKernel())
    try setup.apply()
    #expect(setup.kernel.calls == ["dropBound 1", "dropBound 3"] + tail + ["umask 18"])
    // The init calls lockDown right before execve: nothing else runs under the no_new_privs filter.
    try setup.lockDown()
    #expect(setup.kernel.calls.suffix(3) == ["umask 18", "prctl 38 1", "seccomp 2 flags=2"])
  }

  @Test func withoutNoNewPrivsSeccompComesFirstWhileStillPrivileged() throws {
    var setup = CredentialSetup(spec: spec(nnp: false), kernel: RecordingPrivilegeKernel())
    try setup.apply()
    try setup.lockDown()  // nothing more without no_new_privs
    #expect(setup.kernel.calls == ["seccomp 2 flags=2", "dropBound 1", "dropBound 3"] + tail + ["umask 18"])
  }

  @Test func lsmLabelsComeBeforeEverything() throws {
    var s = spec(nnp: true, seccomp: false)
    s.apparmorProfile = "garrison-default"
    s.selinuxLabel = "system_u:system_r:container_t:s0"
    var setup = CredentialSetup(spec: s, kernel: RecordingPrivilegeKernel())
    try setup.apply()
    #expect(
      Array(setup.kernel.calls.prefix(2)) == [
        "aa_change_onexec garrison-default",
        "write /proc/self/attr/exec system_u:system_r:container_t:s0",
      ])
  }

  @Test func aFailingStepStopsEverythingAfterItAndNamesItself() {
    var setup = CredentialSetup(spec: spec(nnp: true), kernel: RecordingPrivilegeKernel(failing: ["setresuid": .EPERM]))
    #expect(throws: InitFailure("setresuid to 1000", Errno.EPERM.description)) { try setup.apply() }
    #expect(setup.kernel.calls.last == "setresuid 1000")
    #expect(!setup.kernel.calls.contains { $0.hasPrefix("capset") || $0.hasPrefix("seccomp") })
  }

  @Test func aFailingSeccompIsNotRetriedWithoutFlags() throws {
    var setup = CredentialSetup(spec: spec(nnp: true), kernel: RecordingPrivilegeKernel(failing: ["seccomp": .EINVAL]))
    try setup.apply()
    #expect(throws: InitFailure.self) { try setup.lockDown() }
    #expect(setup.kernel.calls.filter { $0.hasPrefix("seccomp") }.count == 1)
  }
}
