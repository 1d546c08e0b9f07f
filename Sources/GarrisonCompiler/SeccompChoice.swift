import GarrisonCore
import GarrisonManifest
import GarrisonPlan

/// Which seccomp profile a container gets: container field over pod field; privileged containers run
/// unconfined (containerd); unset means RuntimeDefault when `seccompDefault` is on (kubelet `--seccomp-default`).
enum SeccompChoice {
  static func plan(
    container csc: SecurityContext?, pod psc: PodSecurityContext?, privileged: Bool, caps: CapabilitySet,
    conSC: FieldPath, podSC: FieldPath, policies: PolicySet, why: inout ProvenanceRecorder
  ) throws -> SeccompPlan {
    let options = policies.options
    if privileged {
      why.field("seccomp", "Unconfined", conSC / "privileged")
      return SeccompPlan(mode: .unconfined, profile: nil, explicit: false, policyDigest: nil, policyJSON: nil, logDenials: false)
    }
    let field: ProfileField
    let fieldPath: FieldPath?
    if let f = csc?.seccompProfile {
      field = f
      fieldPath = conSC / "seccompProfile"
    } else if let f = psc?.seccompProfile {
      field = f
      fieldPath = podSC / "seccompProfile"
    } else {
      field = ProfileField(type: options.seccompDefault ? "RuntimeDefault" : "Unconfined")
      fieldPath = nil
    }
    if let fieldPath {
      why.field("seccomp", field.type, fieldPath)
    } else {
      why.rule("seccomp", field.type, options.seccompDefault ? "Garrison default (kubelet --seccomp-default)" : "Kubernetes default")
    }
    guard field.type != "Unconfined" else {
      return SeccompPlan(
        mode: .unconfined, profile: nil, explicit: fieldPath != nil, policyDigest: nil, policyJSON: nil, logDenials: false)
    }
    let resolved = try SeccompPolicyResolver.resolve(
      field: field, capabilities: caps, policies: policies, fieldPath: (fieldPath ?? podSC) / "localhostProfile")
    guard let mode = ProfileMode(rawValue: field.type) else {
      throw GarrisonError(
        .invalid, "unknown type \"\(field.type)\" (expected RuntimeDefault, Localhost or Unconfined)",
        field: (fieldPath ?? podSC) / "type")
    }
    return SeccompPlan(
      mode: mode, profile: resolved.profile, explicit: fieldPath != nil, policyDigest: resolved.digest,
      policyJSON: resolved.json, logDenials: options.logSeccompDenials, bpfDigest: resolved.bpfDigest)
  }
}

/// Which AppArmor profile a container gets (kubelet 1.30+): container field, then the legacy container
/// annotation, then the pod field, then RuntimeDefault; privileged containers run unconfined.
enum AppArmorChoice {
  static let annotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

  static func plan(
    container c: Container, pod: PodTemplate, privileged: Bool, conSC: FieldPath, podSC: FieldPath,
    policies: PolicySet, why: inout ProvenanceRecorder
  ) throws -> AppArmorPlan {
    if privileged {
      why.field("appArmor", "Unconfined", conSC / "privileged")
      return AppArmorPlan(mode: .unconfined, profileName: nil, explicit: false, source: .privileged)
    }
    if let f = c.securityContext?.appArmorProfile {
      why.field("appArmor", f.type, conSC / "appArmorProfile")
      return try make(f, explicit: true, source: .field, path: conSC / "appArmorProfile", policies: policies)
    }
    let key = annotationPrefix + c.name
    if let value = pod.metadata.annotations[key] {
      let path = pod.metadataPath / "annotations"
      let p = FieldPath(path.steps + [.key(key)])
      why.field("appArmor", value, p)
      return try make(
        try AppArmorProfiles.field(fromAnnotation: value, path: p, policies: policies), explicit: true, source: .annotation, path: p,
        policies: policies)
    }
    if let f = pod.spec.securityContext?.appArmorProfile {
      why.field("appArmor", f.type, podSC / "appArmorProfile")
      return try make(f, explicit: true, source: .field, path: podSC / "appArmorProfile", policies: policies)
    }
    why.rule("appArmor", "RuntimeDefault", "default: RuntimeDefault where the kernel has AppArmor")
    return try make(ProfileField(type: "RuntimeDefault"), explicit: false, source: .default, path: conSC, policies: policies)
  }

  static func make(_ f: ProfileField, explicit: Bool, source: AppArmorSource, path: FieldPath, policies: PolicySet) throws -> AppArmorPlan {
    switch f.type {
    case "Unconfined": return AppArmorPlan(mode: .unconfined, profileName: nil, explicit: explicit, source: source)
    case "Localhost":
      let name = try AppArmorProfiles.validateLocalhostName(f.localhostProfile ?? "", path: path)
      return AppArmorPlan(mode: .localhost, profileName: name, explicit: explicit, source: source)
    default:
      return AppArmorPlan(mode: .runtimeDefault, profileName: policies.appArmorDefault.name, explicit: explicit, source: source)
    }
  }
}

/// The SELinux label: container seLinuxOptions replace the pod's as a whole (kubelet); unset components
/// take container defaults; the level is unique per pod when not given. Privileged containers run as
/// `spc_t` (container-selinux's "super privileged container", unconfined; Garrison's module defines it on
/// refpolicy hosts) unless their seLinuxOptions say otherwise; their files keep their labels (no mount label).
enum SELinuxChoice {
  static func plan(
    container csc: SecurityContext?, pod psc: PodSecurityContext?, privileged: Bool, podUID: String,
    conSC: FieldPath, podSC: FieldPath, why: inout ProvenanceRecorder
  ) throws -> SELinuxPlan {
    let opts = csc?.seLinuxOptions ?? psc?.seLinuxOptions
    if privileged && opts == nil {
      why.field("seLinux", SELinuxLabels.privileged, conSC / "privileged")
      return SELinuxPlan(processLabel: SELinuxLabels.privileged, mountLabel: nil, explicit: false)
    }
    let path = csc?.seLinuxOptions != nil ? conSC / "seLinuxOptions" : podSC / "seLinuxOptions"
    let labels = try SELinuxLabels.make(options: opts, podUID: podUID, path: path)
    if opts != nil {
      why.field("seLinux", labels.process, path)
    } else {
      why.rule("seLinux", labels.process, "container_t with a per-pod MCS level")
    }
    return SELinuxPlan(processLabel: labels.process, mountLabel: labels.mount, explicit: opts != nil)
  }
}
