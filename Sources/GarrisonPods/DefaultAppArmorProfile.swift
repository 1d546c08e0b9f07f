import GarrisonAudit
import GarrisonCore
import GarrisonLSM
import GarrisonLSMHost

/// Loads Garrison's RuntimeDefault AppArmor profile (`garrison-default-v<N>`, rendered from
/// `Policies/apparmor/`) before containers are confined by it, as containerd's CRI plugin loads its own
/// default profile: only on a kernel with AppArmor, only when asked for, only when the kernel does not already
/// hold it in enforce mode. Every load is an `lsm.profile_loaded` audit event; a profile that cannot be loaded
/// refuses the pod (fail closed). `Localhost` profiles are the node operator's to load; garrison-oci refuses
/// one the kernel does not list.
public enum DefaultAppArmorProfile {
  /// Loads the RuntimeDefault profile if one of `names` is it and the kernel lacks it; returns the profile
  /// when it was loaded now (the caller records the audit event).
  public static func loadIfNeeded(
    names: Set<String>, policiesDirectory: String, host: HostLSM,
    isEnforced: (String) -> Bool = AppArmorLoader.isEnforced,
    load: (AppArmorProfile) throws -> Void = { try AppArmorLoader.load($0) }
  ) throws
    -> AppArmorProfile?
  {
    guard host.appArmor else { return nil }
    let wanted = names.filter { $0.hasPrefix("garrison-default-v") }
    guard !wanted.isEmpty else { return nil }
    let profile = try AppArmorProfile.runtimeDefault(policyDirectory: policiesDirectory + "/apparmor")
    guard wanted == [profile.name] else {
      throw GarrisonError(
        .unenforceable,
        "AppArmor profile \(wanted.sorted().joined(separator: ", ")) is not the one "
          + "Policies/apparmor renders (\(profile.name)); load it with apparmor_parser -r")
    }
    if isEnforced(profile.name) { return nil }
    try load(profile)
    return profile
  }

  /// `loadIfNeeded` for the profiles `record`'s containers ask for, recorded against the pod.
  @discardableResult
  static func ensureLoaded(
    for record: PodRecord, policiesDirectory: String, host: HostLSM, audit: PodAudit,
    isEnforced: (String) -> Bool = AppArmorLoader.isEnforced,
    load: (AppArmorProfile) throws -> Void = { try AppArmorLoader.load($0) }
  ) throws -> String? {
    let names = Set(record.containers.compactMap { $0.spec.process?.apparmorProfile })
    guard
      let profile = try loadIfNeeded(
        names: names, policiesDirectory: policiesDirectory, host: host,
        isEnforced: isEnforced, load: load)
    else { return nil }
    try audit.profileLoaded(record, mechanism: "apparmor", profile: profile.name, sha256: profile.sha256)
    return profile.name
  }
}
