/// A seccomp profile in the OCI/moby JSON format (`profiles/seccomp/default.json` style), as written by users
/// and in `Policies/seccomp/`. Decoding is strict: unknown fields and unknown enum values are errors.
///
/// Use ``SeccompProfile/load(_:)`` / ``SeccompProfile/decode(_:source:)`` to get a validated profile, then
/// ``SeccompProfile/resolve(forCapabilities:arch:kernel:)`` to flatten it for one container.
public struct SeccompProfile: Codable, Sendable, Equatable {
  /// Garrison's version of this profile (our own profiles carry it; user profiles may omit it).
  public var garrisonProfileVersion: String?
  public var comment: String?
  public var defaultAction: SeccompAction
  public var defaultErrnoRet: UInt32?
  /// Explicit architecture list (OCI style); ignored for a native arch that has an `archMap` entry.
  public var architectures: [SeccompArch]?
  public var archMap: [ArchMapEntry]?
  public var syscalls: [Rule]
  public var flags: [SeccompFilterFlag]?
  public var listenerPath: String?
  public var listenerMetadata: String?

  /// One `archMap` entry: a native architecture and the compat ABIs a filter for it also covers.
  public struct ArchMapEntry: Codable, Sendable, Equatable {
    public var architecture: SeccompArch
    public var subArchitectures: [SeccompArch]?

    public init(architecture: SeccompArch, subArchitectures: [SeccompArch]? = nil) {
      self.architecture = architecture
      self.subArchitectures = subArchitectures
    }

    public init(from decoder: any Decoder) throws {
      try StrictDecoding.rejectUnknownKeys(in: decoder, allowed: ["architecture", "subArchitectures"])
      let c = try decoder.container(keyedBy: CodingKeys.self)
      architecture = try c.decode(SeccompArch.self, forKey: .architecture)
      subArchitectures = try c.decodeIfPresent([SeccompArch].self, forKey: .subArchitectures)
    }
  }

  /// One entry of `syscalls`: names, an action, optional argument conditions and include/exclude conditions.
  public struct Rule: Codable, Sendable, Equatable {
    public var names: [String]
    public var action: SeccompAction
    public var errnoRet: UInt32?
    public var args: [ArgCondition]?
    public var comment: String?
    public var includes: Condition?
    public var excludes: Condition?

    public init(
      names: [String], action: SeccompAction, errnoRet: UInt32? = nil, args: [ArgCondition]? = nil,
      comment: String? = nil, includes: Condition? = nil, excludes: Condition? = nil
    ) {
      self.names = names
      self.action = action
      self.errnoRet = errnoRet
      self.args = args
      self.comment = comment
      self.includes = includes
      self.excludes = excludes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
      case names, name, action, errnoRet, args, comment, includes, excludes
    }

    public init(from decoder: any Decoder) throws {
      try StrictDecoding.rejectUnknownKeys(
        in: decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
      let c = try decoder.container(keyedBy: CodingKeys.self)
      var names = try c.decodeIfPresent([String].self, forKey: .names) ?? []
      // The pre-OCI moby format had a single "name".
      if let single = try c.decodeIfPresent(String.self, forKey: .name) { names.append(single) }
      self.names = names
      action = try c.decode(SeccompAction.self, forKey: .action)
      errnoRet = try c.decodeIfPresent(UInt32.self, forKey: .errnoRet)
      args = try c.decodeIfPresent([ArgCondition].self, forKey: .args)
      comment = try c.decodeIfPresent(String.self, forKey: .comment)
      includes = try c.decodeIfPresent(Condition.self, forKey: .includes)
      excludes = try c.decodeIfPresent(Condition.self, forKey: .excludes)
    }

    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(names, forKey: .names)
      try c.encode(action, forKey: .action)
      try c.encodeIfPresent(errnoRet, forKey: .errnoRet)
      try c.encodeIfPresent(args, forKey: .args)
      try c.encodeIfPresent(comment, forKey: .comment)
      try c.encodeIfPresent(includes, forKey: .includes)
      try c.encodeIfPresent(excludes, forKey: .excludes)
    }
  }

  /// A condition on the container: capabilities held, target architecture, minimum kernel.
  /// In `includes` every listed item must hold; in `excludes` any listed item excludes the rule.
  public struct Condition: Codable, Sendable, Equatable {
    public var caps: [String]?
    public var arches: [SeccompArchName]?
    public var minKernel: KernelVersion?

    public init(caps: [String]? = nil, arches: [SeccompArchName]? = nil, minKernel: KernelVersion? = nil) {
      self.caps = caps
      self.arches = arches
      self.minKernel = minKernel
    }

    public init(from decoder: any Decoder) throws {
      try StrictDecoding.rejectUnknownKeys(in: decoder, allowed: ["caps", "arches", "minKernel"])
      let c = try decoder.container(keyedBy: CodingKeys.self)
      caps = try c.decodeIfPresent([String].self, forKey: .caps)
      arches = try c.decodeIfPresent([SeccompArchName].self, forKey: .arches)
      minKernel = try c.decodeIfPresent(KernelVersion.self, forKey: .minKernel)
    }
  }

  public init(
    defaultAction: SeccompAction, defaultErrnoRet: UInt32? = nil, architectures: [SeccompArch]? = nil,
    archMap: [ArchMapEntry]? = nil, syscalls: [Rule], flags: [SeccompFilterFlag]? = nil,
    garrisonProfileVersion: String? = nil
  ) {
    self.defaultAction = defaultAction
    self.defaultErrnoRet = defaultErrnoRet
    self.architectures = architectures
    self.archMap = archMap
    self.syscalls = syscalls
    self.flags = flags
    self.garrisonProfileVersion = garrisonProfileVersion
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case garrisonProfileVersion, comment, defaultAction, defaultErrnoRet, architectures, archMap, syscalls
    case flags, listenerPath, listenerMetadata
  }

  public init(from decoder: any Decoder) throws {
    try StrictDecoding.rejectUnknownKeys(in: decoder, allowed: Set(CodingKeys.allCases.map(\.rawValue)))
    let c = try decoder.container(keyedBy: CodingKeys.self)
    garrisonProfileVersion = try c.decodeIfPresent(String.self, forKey: .garrisonProfileVersion)
    comment = try c.decodeIfPresent(String.self, forKey: .comment)
    defaultAction = try c.decode(SeccompAction.self, forKey: .defaultAction)
    defaultErrnoRet = try c.decodeIfPresent(UInt32.self, forKey: .defaultErrnoRet)
    architectures = try c.decodeIfPresent([SeccompArch].self, forKey: .architectures)
    archMap = try c.decodeIfPresent([ArchMapEntry].self, forKey: .archMap)
    syscalls = try c.decodeIfPresent([Rule].self, forKey: .syscalls) ?? []
    flags = try c.decodeIfPresent([SeccompFilterFlag].self, forKey: .flags)
    listenerPath = try c.decodeIfPresent(String.self, forKey: .listenerPath)
    listenerMetadata = try c.decodeIfPresent(String.self, forKey: .listenerMetadata)
  }
}
