import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import GarrisonLSMHost

/// The result of reading a container process's credentials back from /proc after `execve` and comparing
/// them with what the spec asked for. A typed value the audit module can log.
public struct AttestationReport: Codable, Equatable, Sendable {
  public var containerID: String
  public var pid: Int32
  public var uids: [UInt32]
  public var gids: [UInt32]
  public var groups: [UInt32]
  public var capabilities: CapabilitySets
  public var noNewPrivs: Int
  public var seccompMode: Int
  /// The process's LSM label read back through the library: SELinux's context (libselinux `getpidcon`) or the
  /// AppArmor profile (libapparmor `aa_gettaskcon`, without its mode); nil on a host with neither.
  public var lsmLabel: String?
  /// Human descriptions of every difference; empty means the process is exactly as confined as specified.
  public var mismatches: [String]
  /// True when the process exited before it could be read (nothing to compare).
  public var exitedEarly: Bool
  /// The mode that label is enforced in: the AppArmor profile's own (`enforce`, `complain`, `kill`; none for
  /// `unconfined`) from `aa_gettaskcon`, or SELinux's global `enforcing`/`permissive`.
  public var lsmMode: String? = nil
  /// Privilege the process gained legitimately after `execve` because no_new_privs is off (a setuid or setgid
  /// program: effective, saved and filesystem ids that are not the spec's); audit material, not a mismatch.
  public var escalations: [String]? = nil

  public var passed: Bool { mismatches.isEmpty }

  /// The report as `attestation.json` holds it: the keys and values `JSONDecoder` reads back into this type,
  /// written without `JSONEncoder` (the runtime writes it on every start).
  var json: JSONValue {
    func ids(_ list: [UInt32]) -> JSONValue { .array(list.map { .integer($0) }) }
    let c = capabilities
    var o: [String: JSONValue] = [
      "containerID": .string(containerID), "pid": .integer(pid), "uids": ids(uids), "gids": ids(gids),
      "groups": ids(groups),
      "capabilities": [
        "bounding": .integer(c.bounding), "effective": .integer(c.effective),
        "permitted": .integer(c.permitted), "inheritable": .integer(c.inheritable),
        "ambient": .integer(c.ambient),
      ],
      "noNewPrivs": .integer(noNewPrivs), "seccompMode": .integer(seccompMode), "mismatches": .strings(mismatches),
      "exitedEarly": .bool(exitedEarly),
    ]
    if let escalations { o["escalations"] = .strings(escalations) }
    if let lsmLabel { o["lsmLabel"] = .string(lsmLabel) }
    if let lsmMode { o["lsmMode"] = .string(lsmMode) }
    return .object(o)
  }
}

/// Compares /proc/<pid>/status with an `InitSpec`. Capability rules: the bounding and inheritable sets must
/// match exactly (inheritable empty unless asked: CVE-2022-29162); permitted and effective may be smaller
/// than specified but never larger — with no_new_privs nothing beyond the specified permitted set, without it
/// nothing beyond bounding (the kernel recomputes root's sets at execve); ambient within the spec.
public enum Attestation {
  /// Reads process `pid` back and compares it with `spec`; `host` says which LSM library reads its label.
  public static func check(id: String, pid: Int32, spec: InitSpec, host lsm: HostLSM) -> AttestationReport {
    var report = AttestationReport(
      containerID: id, pid: pid, uids: [], gids: [], groups: [],
      capabilities: CapabilitySets(), noNewPrivs: 0, seccompMode: 0, lsmLabel: nil,
      mismatches: [], exitedEarly: false)
    let status: ProcStatus
    do { status = try ProcStatus.read(pid: pid) } catch {
      report.exitedEarly = true
      return report
    }
    if status.uids.isEmpty {  // reaped between reads
      report.exitedEarly = true
      return report
    }
    report.uids = status.uids
    report.gids = status.gids
    report.groups = status.groups
    report.capabilities = CapabilitySets(
      bounding: status.capBnd, effective: status.capEff, permitted: status.capPrm,
      inheritable: status.capInh, ambient: status.capAmb)
    report.noNewPrivs = status.noNewPrivs
    report.seccompMode = status.seccomp
    // The label and its mode through the libraries: libselinux's getpidcon (the mode is SELinux's global one)
    // or libapparmor's aa_gettaskcon (label and the profile's mode).
    var appArmorLabel: AppArmorLabel?
    if lsm.seLinuxEnabled, let context = SELinuxLibrary.processContext(pid: pid) {
      report.lsmLabel = context
      report.lsmMode = lsm.seLinux?.rawValue
    } else if lsm.appArmor, let label = AppArmorLibrary.taskContext(pid: pid) {
      appArmorLabel = label
      report.lsmLabel = label.profile
      report.lsmMode = label.mode
    }
    var m: [String] = []
    // /proc/<pid>/status read from the host shows host ids: with a user namespace, compare against the
    // mapped ids (an unmapped id is itself a mismatch; the builder refuses such specs).
    let userNS = spec.hasUserNamespace
    func host(_ id: UInt32, _ maps: [InitSpec.IDMap]?) -> UInt32? {
      userNS ? InitSpec.IDMap.host(id, in: maps ?? []) : id
    }
    let u = spec.user
    let uid = host(u.uid, spec.uidMappings)
    let gid = host(u.gid, spec.gidMappings)
    let groups = u.additionalGids.map { host($0, spec.gidMappings) }
    let shown = { (id: UInt32, hostID: UInt32?) in userNS ? "\(id) (host \(hostID.map(String.init) ?? "unmapped"))" : "\(id)" }
    // With no_new_privs the kernel ignores setuid/setgid bits at execve: all four ids must be the spec's. Without
    // it, execve of a setuid or setgid program legitimately changes the effective (and with it the saved and
    // filesystem) ids, never the real one: the real id must be the spec's, and other ids are an observed
    // escalation (recorded, not a mismatch), as Kubernetes' allowPrivilegeEscalation permits.
    func compare(_ name: String, _ ids: [UInt32], _ want: UInt32?, _ specID: UInt32) {
      guard let want, ids.count == 4 else { return m.append("\(name) \(ids) != \(shown(specID, want))") }
      if ids == Array(repeating: want, count: 4) { return }
      if !spec.noNewPrivileges && ids[0] == want {
        report.escalations =
          (report.escalations ?? []) + [
            "\(name) \(ids): effective/saved/filesystem \(name.lowercased()) changed by a set-\(name == "Uid" ? "user" : "group")-ID execve (no_new_privs is off)"
          ]
      } else {
        m.append("\(name) \(ids) != \(shown(specID, want))")
      }
    }
    compare("Uid", status.uids, uid, u.uid)
    compare("Gid", status.gids, gid, u.gid)
    if groups.contains(nil) || Set(status.groups) != Set(groups.compactMap { $0 }) {
      m.append("Groups \(status.groups) != \(u.additionalGids)\(userNS ? " mapped \(groups)" : "")")
    }
    let c = spec.capabilities
    func extra(_ have: UInt64, _ allowed: UInt64) -> String { Capability.names(in: have & ~allowed).joined(separator: ",") }
    if status.capBnd != c.bounding { m.append("CapBnd has \(extra(status.capBnd, c.bounding)) beyond spec") }
    if status.capInh != c.inheritable { m.append("CapInh has \(extra(status.capInh, c.inheritable)) beyond spec") }
    let ceiling = spec.noNewPrivileges ? c.permitted : c.bounding
    if status.capPrm & ~ceiling != 0 { m.append("CapPrm has \(extra(status.capPrm, ceiling)) beyond spec") }
    if status.capEff & ~ceiling != 0 { m.append("CapEff has \(extra(status.capEff, ceiling)) beyond spec") }
    if status.capAmb & ~c.ambient != 0 { m.append("CapAmb has \(extra(status.capAmb, c.ambient)) beyond spec") }
    if spec.noNewPrivileges && status.noNewPrivs != 1 { m.append("NoNewPrivs is \(status.noNewPrivs), expected 1") }
    if spec.seccomp != nil && status.seccomp != 2 { m.append("Seccomp is \(status.seccomp), expected 2 (filter)") }
    if let profile = spec.apparmorProfile, appArmorLabel?.enforces(profile) != true {
      m.append("AppArmor label \(appArmorLabel?.text ?? "none") != \(profile) (enforce)")
    }
    if let label = spec.selinuxLabel, report.lsmLabel != label {
      m.append("SELinux label \(report.lsmLabel ?? "none") != \(label)")
    }
    report.mismatches = m
    return report
  }
}
