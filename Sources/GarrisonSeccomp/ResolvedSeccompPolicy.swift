/// A seccomp profile flattened for one container: conditions evaluated against its final capability set,
/// architecture and kernel; one rule per system call name, deduplicated and sorted, explicit errno values.
///
/// Its JSON encoding is a valid OCI `linux.seccomp` object (`defaultAction`, `defaultErrnoRet`,
/// `architectures`, `flags`, `syscalls[{names, action, errnoRet, args}]`), and its canonical JSON
/// (sorted keys) is what ``digest`` hashes and ``BPFCache`` keys on.
public struct ResolvedSeccompPolicy: Codable, Sendable, Hashable {
  public var defaultAction: SeccompAction
  /// The errno for an ERRNO/TRACE default action (EPERM when the profile did not say), else nil.
  public var defaultErrnoRet: UInt32?
  /// The architectures the filter accepts, sorted; the native one always included.
  public var architectures: [SeccompArch]
  public var flags: [SeccompFilterFlag]
  public var syscalls: [ResolvedSeccompRule]

  public init(
    defaultAction: SeccompAction, defaultErrnoRet: UInt32?, architectures: [SeccompArch],
    flags: [SeccompFilterFlag], syscalls: [ResolvedSeccompRule]
  ) {
    self.defaultAction = defaultAction
    self.defaultErrnoRet = defaultErrnoRet
    self.architectures = architectures
    self.flags = flags
    self.syscalls = syscalls
  }

  /// All rules for one system call name.
  public func rules(for name: String) -> [ResolvedSeccompRule] { syscalls.filter { $0.name == name } }
}

/// One flattened rule: a single system call, an action, and the argument conditions that must all hold.
public struct ResolvedSeccompRule: Codable, Sendable, Hashable, Comparable {
  /// Always exactly one name (kept as an array for OCI compatibility).
  public var names: [String]
  public var action: SeccompAction
  public var errnoRet: UInt32?
  public var args: [ArgCondition]

  public var name: String { names[0] }

  public init(name: String, action: SeccompAction, errnoRet: UInt32?, args: [ArgCondition]) {
    self.names = [name]
    self.action = action
    self.errnoRet = errnoRet
    self.args = args.sorted()
  }

  enum CodingKeys: String, CodingKey { case names, action, errnoRet, args }

  /// Decoding enforces the one-name invariant.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let names = try c.decode([String].self, forKey: .names)
    guard names.count == 1 else {
      throw DecodingError.dataCorruptedError(forKey: .names, in: c, debugDescription: "a resolved rule has exactly one name")
    }
    self.init(
      name: names[0], action: try c.decode(SeccompAction.self, forKey: .action),
      errnoRet: try c.decodeIfPresent(UInt32.self, forKey: .errnoRet),
      args: try c.decodeIfPresent([ArgCondition].self, forKey: .args) ?? [])
  }

  public static func < (l: ResolvedSeccompRule, r: ResolvedSeccompRule) -> Bool {
    if l.name != r.name { return l.name < r.name }
    if l.action != r.action { return l.action < r.action }
    if l.errnoRet != r.errnoRet { return (l.errnoRet ?? 0) < (r.errnoRet ?? 0) }
    if l.args.count != r.args.count { return l.args.count < r.args.count }
    for (a, b) in zip(l.args, r.args) where a != b { return a < b }
    return false
  }
}
