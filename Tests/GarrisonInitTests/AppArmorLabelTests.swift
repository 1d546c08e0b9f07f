import GarrisonInit
import GarrisonInitProtocol
import GarrisonKernel
import Testing

/// How the read-back attestation judges `/proc/<pid>/attr/current`, and how the init reports a profile that is not
/// loaded (both checked against a real AppArmor kernel by GarrisonLSMTests/AppArmorVMTests).
struct AppArmorLabelTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var label: String?
    var enforces: Bool
    var testDescription: String { "\(label ?? "nil") -> \(enforces)" }
  }

  @Test(arguments: [
    Case(label: "garrison-default-v1 (enforce)\n", enforces: true),
    Case(label: "garrison-default-v1 (kill)", enforces: true),
    Case(label: "garrison-default-v1 (complain)", enforces: false),  // only logs
    Case(label: "garrison-default-v10 (enforce)", enforces: false),  // a longer name sharing the prefix
    Case(label: "garrison-default-v1", enforces: false),  // no mode: not what the kernel shows for a profile
    Case(label: "unconfined", enforces: false),
    Case(label: nil, enforces: false),
  ])
  func attestationNeedsTheExactProfileInADenyingMode(_ c: Case) {
    #expect(AppArmorLabel.enforces(c.label, profile: "garrison-default-v1") == c.enforces)
  }

  @Test func anExplicitUnconfinedRequestMatchesTheUnconfinedLabel() {
    #expect(AppArmorLabel.enforces("unconfined\n", profile: "unconfined"))
    #expect(!AppArmorLabel.enforces("garrison-default-v1 (enforce)", profile: "unconfined"))
  }

  @Test func parsesNameAndMode() {
    #expect(AppArmorLabel(parsing: "a b (enforce)\n") == AppArmorLabel(parsing: "a b (enforce)"))
    let l = AppArmorLabel(parsing: "my-profile (complain)")
    #expect(l.profile == "my-profile" && l.mode == "complain")
    #expect(AppArmorLabel(parsing: "unconfined").mode == nil)
  }

  @Test func aProfileThatIsNotLoadedIsNamedAsSuch() {
    var s = InitSpec(
      mode: .create, rootfs: "/", lastCap: 3, user: .init(uid: 0, gid: 0, additionalGids: []),
      noNewPrivileges: true, cwd: "/", args: ["/bin/true"], env: [])
    s.apparmorProfile = "not-loaded"
    // What Linux 6.1 returns for both files when the profile is unknown (AppArmor's "label not found").
    var setup = CredentialSetup(
      spec: s,
      kernel: RecordingPrivilegeKernel(failing: [
        "write /proc/self/attr/apparmor/": .ENOENT, "write /proc/self/attr/exec": .ENOENT,
      ]))
    #expect(
      throws: InitFailure(
        "set AppArmor exec profile not-loaded",
        "\(Errno.ENOENT.description): profile not-loaded is not loaded in the kernel (load it with apparmor_parser -r)")
    ) { try setup.apply() }
    #expect(setup.kernel.calls.count == 2)  // nothing after the failing label step
  }
}
