import GarrisonCore
import GarrisonPlan

/// `securityContext.capabilities`: names as written (with or without `CAP_`).
public struct Capabilities: Equatable, Sendable {
  public var add: [String]
  public var drop: [String]
  public init(add: [String] = [], drop: [String] = []) {
    self.add = add
    self.drop = drop
  }
  static func decode(_ r: NodeReader) throws -> Capabilities {
    Capabilities(add: try r.stringList("add") ?? [], drop: try r.stringList("drop") ?? [])
  }
}

/// `seLinuxOptions` (the type is GarrisonPlan's, shared with the label resolver).
extension SELinuxOptions {
  static func decode(_ r: NodeReader) throws -> SELinuxOptions {
    SELinuxOptions(
      user: try r.plainString("user"), role: try r.plainString("role"), type: try r.plainString("type"),
      level: try r.plainString("level"))
  }
}

/// `windowsOptions`: only `hostProcess` matters on Linux (Pod Security Standards check it).
public struct WindowsSecurityContextOptions: Equatable, Sendable {
  public var hostProcess: Bool?
  static func decode(_ r: NodeReader) throws -> WindowsSecurityContextOptions {
    r.ignore(["gmsaCredentialSpecName", "gmsaCredentialSpec", "runAsUserName"])
    return WindowsSecurityContextOptions(hostProcess: try r.bool("hostProcess"))
  }
}

/// A profile selector shared by `seccompProfile` and `appArmorProfile`: `type` plus `localhostProfile`.
public struct ProfileField: Equatable, Sendable {
  /// `RuntimeDefault`, `Localhost` or `Unconfined`.
  public var type: String
  public var localhostProfile: String?
  public init(type: String, localhostProfile: String? = nil) {
    self.type = type
    self.localhostProfile = localhostProfile
  }
  /// Which profile field is decoded: their `localhostProfile` rules differ.
  enum Kind { case seccomp, appArmor }

  static func decode(_ r: NodeReader, _ kind: Kind) throws -> ProfileField {
    let local = try r.string("localhostProfile")
    guard let type = try r.string("type") else {
      r.report(GarrisonError(.invalid, "Required value: type is required", field: r.path / "type", at: r.location))
      return ProfileField(type: "", localhostProfile: local)
    }
    guard ["RuntimeDefault", "Localhost", "Unconfined"].contains(type) else {
      r.report(
        r.error(
          "type", "Unsupported value: \"\(type)\": supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\"",
          node: r.value("type")))
      return ProfileField(type: type, localhostProfile: local)
    }
    if type == "Localhost" && (local ?? "").isEmpty {
      r.report(r.error("localhostProfile", "Required value: must be set when type is Localhost"))
    }
    if type != "Localhost" && local != nil {
      r.report(r.error("localhostProfile", "Invalid value: can only be set when type is Localhost", node: r.value("localhostProfile")))
    }
    if let local, type == "Localhost" { try checkLocalhostProfile(local, kind, r) }
    return ProfileField(type: type, localhostProfile: local)
  }

  /// Kubernetes' rules for `localhostProfile`: for seccomp a path relative to the profile root without `..`
  /// elements; for AppArmor a name not padded with whitespace, at most 4095 bytes. Neither may hold a NUL.
  static func checkLocalhostProfile(_ local: String, _ kind: Kind, _ r: NodeReader) throws {
    let field = r.path / "localhostProfile"
    switch kind {
    case .seccomp:
      try r.checkLocalDescendingPath(local, field)
    case .appArmor:
      try r.checkNoNUL(local, field)
      let scalars = local.unicodeScalars
      if scalars.first?.properties.isWhitespace == true || scalars.last?.properties.isWhitespace == true {
        r.report(r.invalid(field, KubernetesNames.invalid(local, ["must not be padded with whitespace"])))
      }
      if local.utf8.count > 4095 {
        r.report(r.invalid(field, "Too long: may not be more than 4095 bytes"))
      }
    }
  }
}

/// `seccompProfile` of a pod or container.
public typealias SeccompProfileField = ProfileField
/// `appArmorProfile` of a pod or container.
public typealias AppArmorProfileField = ProfileField

/// A pod-level `sysctls[]` entry.
public struct Sysctl: Equatable, Sendable {
  public var name: String
  public var value: String
}

/// Container-level `securityContext`.
public struct SecurityContext: Equatable, Sendable {
  public var capabilities: Capabilities?
  public var privileged: Bool?
  public var seLinuxOptions: SELinuxOptions?
  public var windowsOptions: WindowsSecurityContextOptions?
  public var runAsUser: Int64?
  public var runAsGroup: Int64?
  public var runAsNonRoot: Bool?
  public var readOnlyRootFilesystem: Bool?
  public var allowPrivilegeEscalation: Bool?
  /// `Default` or `Unmasked`.
  public var procMount: String?
  public var seccompProfile: SeccompProfileField?
  public var appArmorProfile: AppArmorProfileField?
  public init() {}

  static func decode(_ r: NodeReader) throws -> SecurityContext {
    var sc = SecurityContext()
    sc.capabilities = try r.objectReader("capabilities", Capabilities.decode)
    sc.privileged = try r.bool("privileged")
    sc.seLinuxOptions = try r.objectReader("seLinuxOptions", SELinuxOptions.decode)
    sc.windowsOptions = try r.objectReader("windowsOptions", WindowsSecurityContextOptions.decode)
    sc.runAsUser = try r.int64("runAsUser")
    sc.runAsGroup = try r.int64("runAsGroup")
    sc.runAsNonRoot = try r.bool("runAsNonRoot")
    sc.readOnlyRootFilesystem = try r.bool("readOnlyRootFilesystem")
    sc.allowPrivilegeEscalation = try r.bool("allowPrivilegeEscalation")
    sc.procMount = try r.string("procMount")
    sc.seccompProfile = try r.objectReader("seccompProfile") { try ProfileField.decode($0, .seccomp) }
    sc.appArmorProfile = try r.objectReader("appArmorProfile") { try ProfileField.decode($0, .appArmor) }
    if let pm = sc.procMount, pm != "Default" && pm != "Unmasked" {
      r.report(
        r.error("procMount", "Unsupported value: \"\(pm)\": supported values: \"Default\", \"Unmasked\"", node: r.value("procMount")))
    }
    try IDRange.check(sc.runAsUser, r, "runAsUser")
    try IDRange.check(sc.runAsGroup, r, "runAsGroup")
    return sc
  }
}

/// Pod-level `securityContext`.
public struct PodSecurityContext: Equatable, Sendable {
  public var seLinuxOptions: SELinuxOptions?
  public var windowsOptions: WindowsSecurityContextOptions?
  public var runAsUser: Int64?
  public var runAsGroup: Int64?
  public var runAsNonRoot: Bool?
  public var supplementalGroups: [Int64] = []
  /// `Merge` (default) or `Strict`.
  public var supplementalGroupsPolicy: String?
  public var fsGroup: Int64?
  /// `OnRootMismatch` or `Always` (default).
  public var fsGroupChangePolicy: String?
  public var sysctls: [Sysctl] = []
  public var seccompProfile: SeccompProfileField?
  public var appArmorProfile: AppArmorProfileField?
  public var seLinuxChangePolicy: String?
  public init() {}

  static func decode(_ r: NodeReader) throws -> PodSecurityContext {
    var sc = PodSecurityContext()
    sc.seLinuxOptions = try r.objectReader("seLinuxOptions", SELinuxOptions.decode)
    sc.windowsOptions = try r.objectReader("windowsOptions", WindowsSecurityContextOptions.decode)
    sc.runAsUser = try r.int64("runAsUser")
    sc.runAsGroup = try r.int64("runAsGroup")
    sc.runAsNonRoot = try r.bool("runAsNonRoot")
    sc.supplementalGroups = try r.int64List("supplementalGroups") ?? []
    sc.supplementalGroupsPolicy = try r.string("supplementalGroupsPolicy")
    sc.fsGroup = try r.int64("fsGroup")
    sc.fsGroupChangePolicy = try r.string("fsGroupChangePolicy")
    sc.sysctls = try r.objectList("sysctls") { s in
      guard let name = try s.plainString("name") else {
        s.report(s.error("name", "Required value"))
        return Sysctl(name: "", value: try s.plainString("value") ?? "")
      }
      return Sysctl(name: name, value: try s.plainString("value") ?? "")
    }
    sc.seccompProfile = try r.objectReader("seccompProfile") { try ProfileField.decode($0, .seccomp) }
    sc.appArmorProfile = try r.objectReader("appArmorProfile") { try ProfileField.decode($0, .appArmor) }
    sc.seLinuxChangePolicy = try r.string("seLinuxChangePolicy")
    if let p = sc.supplementalGroupsPolicy, p != "Merge" && p != "Strict" {
      r.report(
        r.error(
          "supplementalGroupsPolicy", "Unsupported value: \"\(p)\": supported values: \"Merge\", \"Strict\"",
          node: r.value("supplementalGroupsPolicy")))
    }
    if let p = sc.fsGroupChangePolicy, p != "OnRootMismatch" && p != "Always" {
      r.report(
        r.error(
          "fsGroupChangePolicy", "Unsupported value: \"\(p)\": supported values: \"Always\", \"OnRootMismatch\"",
          node: r.value("fsGroupChangePolicy")))
    }
    try IDRange.check(sc.runAsUser, r, "runAsUser")
    try IDRange.check(sc.runAsGroup, r, "runAsGroup")
    try IDRange.check(sc.fsGroup, r, "fsGroup")
    for (i, g) in sc.supplementalGroups.enumerated() where g < 0 || g > Int64(Int32.max) {
      r.report(
        GarrisonError(
          .invalid, "Invalid value: \(g): must be between 0 and 2147483647, inclusive",
          field: r.path / "supplementalGroups" / i, at: r.location))
    }
    return sc
  }
}

/// Kubernetes' id validation: uids and gids are between 0 and 2147483647.
enum IDRange {
  static func check(_ value: Int64?, _ r: NodeReader, _ key: String) throws {
    guard let v = value, v < 0 || v > Int64(Int32.max) else { return }
    r.report(r.error(key, "Invalid value: \(v): must be between 0 and 2147483647, inclusive", node: r.value(key)))
  }
}
