import Foundation
import GarrisonCore
import GarrisonLSM
import GarrisonManifest
import GarrisonPlan
import GarrisonSeccomp

/// The policy data the compiler loads once: the RuntimeDefault seccomp profile and AppArmor template,
/// and a memo of seccomp policies already resolved for a capability set (most pods share a handful).
final class PolicySet: @unchecked Sendable {
  let options: CompilerOptions
  let appArmorDefault: AppArmorProfile
  let kernel: KernelVersion?
  private let lock = NSLock()
  private var resolvedCache: [String: SeccompPolicyResolver.Resolved] = [:]
  private var bpfCache: BPFCache?

  init(options: CompilerOptions) throws {
    self.options = options
    appArmorDefault = try AppArmorProfile.runtimeDefault(policyDirectory: options.policiesDirectory + "/apparmor")
    kernel = options.kernelVersion
  }

  func memo(_ key: String, _ make: () throws -> SeccompPolicyResolver.Resolved) throws -> SeccompPolicyResolver.Resolved {
    lock.lock()
    if let hit = resolvedCache[key] { lock.unlock(); return hit }
    lock.unlock()
    let value = try make()
    lock.lock()
    resolvedCache[key] = value
    lock.unlock()
    return value
  }

  /// The BPF cache, created on first use.
  func cache() throws -> BPFCache {
    lock.lock()
    defer { lock.unlock() }
    if let bpfCache { return bpfCache }
    let dir = options.bpfCacheDirectory
    try FileManager.default.createDirectory(
      atPath: (dir as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let c = try BPFCache(directory: dir)
    bpfCache = c
    return c
  }
}

/// Resolves a seccomp profile choice into the container's own rule list (capability-conditional rules evaluated
/// against its final capability set), its digest, and the compiled BPF program's digest.
enum SeccompPolicyResolver {
  struct Resolved {
    var profile: String
    var json: String
    var digest: String
    var bpfDigest: String?
  }

  static func resolve(field: ProfileField, capabilities: CapabilitySet, policies: PolicySet, fieldPath: FieldPath) throws -> Resolved {
    let options = policies.options
    let selection = try SeccompSelection.fromField(type: field.type, localhostProfile: field.localhostProfile, field: fieldPath)
    let key = "\(field.type)|\(field.localhostProfile ?? "")|\(capabilities.mask)"
    return try policies.memo(key) {
      let locations = SeccompProfileLocations(
        policyDirectory: options.policiesDirectory + "/seccomp", localhostRoot: options.seccompProfileRoot)
      guard let profile = try SeccompProfile.load(selection, from: locations, field: fieldPath) else {
        throw GarrisonError(.invalid, "Unconfined has no profile", field: fieldPath)
      }
      var resolved = try profile.resolve(forCapabilities: Set(capabilities.names), arch: .native, kernel: policies.kernel)
      if options.logSeccompDenials && !resolved.flags.contains(.log) { resolved.flags = (resolved.flags + [.log]).sorted() }
      let json = String(decoding: try resolved.canonicalJSON(), as: UTF8.self)
      var bpf: String?
      if options.compileBPF {
        bpf = try policies.cache().program(for: resolved).sha256
      }
      let name: String
      switch selection {
      case .runtimeDefault: name = "runtime-default@\(profile.garrisonProfileVersion ?? "unversioned")"
      case .localhost(let path): name = path
      case .unconfined: name = "unconfined"
      }
      return Resolved(profile: name, json: json, digest: try resolved.digest(), bpfDigest: bpf)
    }
  }
}

/// AppArmor profile names, validated by GarrisonLSM.
enum AppArmorProfiles {
  static func validateLocalhostName(_ name: String, path: FieldPath) throws -> String {
    try AppArmorSelection.validateLocalhostName(name, field: path)
    return name
  }

  /// The legacy annotation value (`runtime/default`, `localhost/<name>`, `unconfined`) as a field.
  static func field(fromAnnotation value: String, path: FieldPath, policies: PolicySet) throws -> ProfileField {
    switch try AppArmorSelection.fromAnnotation(value, runtimeDefault: policies.appArmorDefault, field: path) {
    case .runtimeDefault: return ProfileField(type: "RuntimeDefault")
    case .localhost(let name): return ProfileField(type: "Localhost", localhostProfile: name)
    case .unconfined: return ProfileField(type: "Unconfined")
    }
  }
}

/// SELinux labels from GarrisonLSM (validated components, per-pod MCS level).
enum SELinuxLabels {
  /// A privileged container's process label.
  static let privileged = GarrisonLSM.SELinuxLabels.privilegedProcess.description
  static func make(options: SELinuxOptions?, podUID: String, path: FieldPath) throws -> (process: String, mount: String) {
    let labels = try GarrisonLSM.SELinuxLabels.resolve(options, podUID: podUID, field: path)
    return (labels.process.description, labels.mount.description)
  }
}
