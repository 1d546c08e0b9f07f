/// The closed vocabularies of an enforcement plan. Each raw value is the string the plan's canonical JSON has
/// always held, so plan digests, golden plans and the plan schema are unchanged; a plan carrying any other value
/// does not decode.

/// How a seccomp or AppArmor profile was chosen: the Kubernetes profile types.
public enum ProfileMode: String, Codable, Sendable, CaseIterable {
  case runtimeDefault = "RuntimeDefault"
  case localhost = "Localhost"
  case unconfined = "Unconfined"
}

/// Where a container's AppArmor choice came from.
public enum AppArmorSource: String, Codable, Sendable, CaseIterable {
  /// The container's or the pod's `appArmorProfile` field.
  case field
  /// The legacy `container.apparmor.security.beta.kubernetes.io/<name>` annotation.
  case annotation
  /// Nothing asked: Garrison's RuntimeDefault.
  case `default`
  /// A privileged container, which runs unconfined.
  case privileged
}

/// Which list of the pod a container comes from.
public enum ContainerRole: String, Codable, Sendable, CaseIterable {
  case initContainer = "init"
  /// An init container with `restartPolicy: Always` (a native sidecar).
  case sidecar
  case app
  case ephemeral
}

/// Whom a namespace is shared with.
public enum NamespaceMode: String, Codable, Sendable, CaseIterable {
  /// Private to the container.
  case container
  /// Shared by the pod's containers (the sandbox's namespace).
  case pod
  /// The host's namespace (`hostNetwork`, `hostPID`, `hostIPC`, `hostUsers`).
  case host
}

/// `securityContext.procMount`.
public enum ProcMountType: String, Codable, Sendable, CaseIterable {
  /// Masked and read-only /proc paths apply.
  case `default` = "Default"
  /// No masked or read-only /proc paths.
  case unmasked = "Unmasked"
}

/// Which device nodes the container's /dev holds.
public enum DeviceExposure: String, Codable, Sendable, CaseIterable {
  /// null, zero, full, random, urandom, tty and ptmx.
  case `default`
  /// Every host device (privileged).
  case host
}

/// A pod's quality-of-service class (Kubernetes' `GetPodQOS`; GarrisonCompiler computes it).
public enum QoSClass: String, Codable, Sendable, CaseIterable {
  case guaranteed = "Guaranteed"
  case burstable = "Burstable"
  case bestEffort = "BestEffort"
}

/// `securityContext.supplementalGroupsPolicy`.
public enum SupplementalGroupsPolicy: String, Codable, Sendable, CaseIterable {
  /// Also the groups the image's /etc/group gives the user.
  case merge = "Merge"
  /// Only the groups the manifest names.
  case strict = "Strict"
}

// Interpolated into explain, describe and error text, each prints as its plan JSON string.
extension ProfileMode: CustomStringConvertible { public var description: String { rawValue } }
extension AppArmorSource: CustomStringConvertible { public var description: String { rawValue } }
extension ContainerRole: CustomStringConvertible { public var description: String { rawValue } }
extension NamespaceMode: CustomStringConvertible { public var description: String { rawValue } }
extension ProcMountType: CustomStringConvertible { public var description: String { rawValue } }
extension DeviceExposure: CustomStringConvertible { public var description: String { rawValue } }
extension QoSClass: CustomStringConvertible { public var description: String { rawValue } }
extension SupplementalGroupsPolicy: CustomStringConvertible { public var description: String { rawValue } }
