import GarrisonPlan
/// The Pod Security Standards checks and which of them apply at a level and version, following the
/// admission controller's registry: baseline runs the baseline checks in force at the version;
/// restricted runs the restricted checks plus every baseline check not replaced by one of them.
public enum PSSRegistry {
  /// Every check, baseline first, each group in ID order (the admission controller's order).
  public static let checks: [PSSCheck] = {
    let all: [PSSCheck] = [
      HostNamespacesCheck.check, PrivilegedCheck.check, CapabilitiesBaselineCheck.check, HostPathVolumesCheck.check,
      HostPortsCheck.check, HostProbesCheck.check, AppArmorProfileCheck.check, SELinuxOptionsCheck.check, ProcMountCheck.baseline,
      SeccompBaselineCheck.check, SysctlsCheck.check, WindowsHostProcessCheck.check,
      RestrictedVolumesCheck.check, AllowPrivilegeEscalationCheck.check, RunAsNonRootCheck.check, RunAsUserCheck.check,
      SeccompRestrictedCheck.check, CapabilitiesRestrictedCheck.check, ProcMountCheck.restricted,
    ]
    let baseline = all.filter { $0.level == .baseline }.sorted { $0.id < $1.id }
    let restricted = all.filter { $0.level == .restricted }.sorted { $0.id < $1.id }
    return baseline + restricted
  }()

  /// The newest policy version any check defines; `latest` and newer versions evaluate as this one.
  public static let newestMinor: Int = checks.flatMap { $0.versions.map(\.minimumMinor) }.max() ?? 0

  /// The numbered version a requested version evaluates as.
  public static func effectiveMinor(_ version: PSSVersion) -> Int {
    guard let m = version.minor else { return newestMinor }
    return min(m, newestMinor)
  }

  /// The checks (with their version in force) that run for a policy.
  public static func active(_ policy: PSSPolicy) -> [(check: PSSCheck, version: VersionedPSSCheck)] {
    guard policy.level != .privileged else { return [] }
    let minor = effectiveMinor(policy.version)
    var baseline: [(PSSCheck, VersionedPSSCheck)] = []
    var restricted: [(PSSCheck, VersionedPSSCheck)] = []
    for c in checks {
      guard let v = c.version(at: minor) else { continue }
      if c.level == .baseline { baseline.append((c, v)) } else { restricted.append((c, v)) }
    }
    if policy.level == .baseline { return baseline }
    let overridden = Set(restricted.flatMap { $0.1.overrides })
    return baseline.filter { !overridden.contains($0.0.id) } + restricted
  }

  /// Evaluates a pod against a policy: violations per check, in check order.
  public static func evaluate(_ pod: PodContext, policy: PSSPolicy) -> [(check: PSSCheck, violations: [PSSViolation])] {
    evaluate(pod, active: active(policy))
  }

  /// `evaluate(_:policy:)` with the policy's active checks already computed.
  static func evaluate(
    _ pod: PodContext, active: [(check: PSSCheck, version: VersionedPSSCheck)]
  ) -> [(check: PSSCheck, violations: [PSSViolation])] {
    active.compactMap { c, v in
      let found = v.evaluate(pod)
      return found.isEmpty ? nil : (c, found)
    }
  }
}
