import GarrisonInit
import GarrisonInitProtocol
import GarrisonKernel
import Glibc
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
    // What Linux 6.1 returns when the profile is unknown (AppArmor's "label not found").
    var setup = CredentialSetup(spec: s, kernel: RecordingPrivilegeKernel(failing: ["aa_change_onexec": .ENOENT]))
    #expect(
      throws: InitFailure(
        "set AppArmor exec profile not-loaded (aa_change_onexec)",
        "\(Errno.ENOENT.description): profile not-loaded is not loaded in the kernel (load it with apparmor_parser -r)")
    ) { try setup.apply() }
    #expect(setup.kernel.calls == ["aa_change_onexec not-loaded"])  // nothing after the failing label step
  }
}

/// The label and mode `aa_gettaskcon` returns, as the read-back judges them.
struct AppArmorTaskContextTests {
  @Test func enforcesJudgesLabelAndModeApart() {
    #expect(AppArmorLabel(profile: "garrison-default-v1", mode: "enforce").enforces("garrison-default-v1"))
    #expect(AppArmorLabel(profile: "garrison-default-v1", mode: "kill").enforces("garrison-default-v1"))
    #expect(!AppArmorLabel(profile: "garrison-default-v1", mode: "complain").enforces("garrison-default-v1"))
    #expect(!AppArmorLabel(profile: "garrison-default-v10", mode: "enforce").enforces("garrison-default-v1"))
    #expect(AppArmorLabel(profile: "unconfined", mode: nil).enforces("unconfined"))
    #expect(!AppArmorLabel(profile: "unconfined", mode: nil).enforces("garrison-default-v1"))
  }

  @Test func textIsWhatAttrCurrentShows() {
    #expect(AppArmorLabel(profile: "a b", mode: "enforce").text == "a b (enforce)")
    #expect(AppArmorLabel(profile: "unconfined", mode: nil).text == "unconfined")
    #expect(AppArmorLabel(parsing: AppArmorLabel(profile: "p (x)", mode: "kill").text) == AppArmorLabel(profile: "p (x)", mode: "kill"))
  }

  /// On this host without AppArmor the library answers nothing, rather than guessing.
  @Test(.enabled(if: !AppArmorLibrary.isEnabledAnswerIsOn, "this kernel has AppArmor"))
  func withoutAppArmorTheLibraryKnowsNothing() {
    #expect(AppArmorLibrary.taskContext(pid: getpid()) == nil)
    #expect(AppArmorLibrary.isLoaded("garrison-default-v1") == nil)
    #expect(AppArmorLibrary.loadedMode("garrison-default-v1") == nil)
  }
}

extension AppArmorLibrary {
  static var isEnabledAnswerIsOn: Bool { isEnabledAnswer().result == 1 }
}
