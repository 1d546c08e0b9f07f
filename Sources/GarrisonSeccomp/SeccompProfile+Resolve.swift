import GarrisonCore

extension SeccompProfile {
  /// Flattens the profile for one container.
  ///
  /// - Parameters:
  ///   - capabilities: the container's FINAL capability set (the bounding set after add/drop), in either
  ///     `CAP_SYS_ADMIN` or `SYS_ADMIN` spelling. `includes.caps` needs all listed caps, `excludes.caps` any.
  ///   - arch: the native architecture; `includes/excludes.arches` are matched against its short name, and
  ///     `archMap` picks the compat ABIs the filter also covers.
  ///   - kernel: the kernel the container will run on; when nil, every rule with `includes.minKernel` is
  ///     left out (the stricter choice, and the result does not depend on the host compiling it).
  public func resolve(
    forCapabilities capabilities: Set<String>, arch: SeccompArch = .native, kernel: KernelVersion? = nil
  ) throws -> ResolvedSeccompPolicy {
    var caps = Set<String>()
    for cap in capabilities {
      guard let normal = LinuxCapabilityName.normalized(cap) else {
        throw GarrisonErrorFactory.invalid("resolve seccomp profile", "unknown capability \"\(cap)\"")
      }
      caps.insert(normal)
    }
    let arches = resolvedArchitectures(native: arch)
    let defaultErrno: UInt32? = defaultAction.takesReturnValue ? (defaultErrnoRet ?? 1) : nil

    var rules = Set<ResolvedSeccompRule>()
    for rule in syscalls where Self.applies(rule, caps: caps, arch: arch, kernel: kernel) {
      let errnoRet: UInt32? = rule.action.takesReturnValue ? (rule.errnoRet ?? 1) : nil
      if rule.action == defaultAction && errnoRet == defaultErrno { continue }  // same as the default: a no-op
      for name in rule.names where arches.contains(where: { SyscallTable.number(of: name, on: $0) != nil }) {
        rules.insert(ResolvedSeccompRule(name: name, action: rule.action, errnoRet: errnoRet, args: rule.args ?? []))
      }
    }
    return ResolvedSeccompPolicy(
      defaultAction: defaultAction, defaultErrnoRet: defaultErrno, architectures: arches,
      flags: Array(Set(flags ?? [])).sorted(), syscalls: try Self.simplified(rules))
  }

  /// The filter's architectures: the `archMap` entry for `native` if any, else `architectures`, plus native.
  func resolvedArchitectures(native: SeccompArch) -> [SeccompArch] {
    var set: Set<SeccompArch> = [native]
    if let entry = archMap?.first(where: { $0.architecture == native }) {
      set.formUnion(entry.subArchitectures ?? [])
    } else {
      set.formUnion(architectures ?? [])
    }
    return set.sorted()
  }

  static func applies(_ rule: Rule, caps: Set<String>, arch: SeccompArch, kernel: KernelVersion?) -> Bool {
    let normal = { (list: [String]?) in (list ?? []).compactMap(LinuxCapabilityName.normalized) }
    if let inc = rule.includes {
      if !normal(inc.caps).allSatisfy(caps.contains) { return false }
      if let a = inc.arches, !a.isEmpty, !a.contains(arch.shortName) { return false }
      if let min = inc.minKernel {
        guard let kernel, kernel >= min else { return false }
      }
    }
    if let exc = rule.excludes {
      if normal(exc.caps).contains(where: caps.contains) { return false }
      if let a = exc.arches, a.contains(arch.shortName) { return false }
    }
    return true
  }

  /// Drops conditional rules made redundant by an unconditional rule with the same action, and refuses
  /// two unconditional rules with different actions for one call (libseccomp would reject them too).
  static func simplified(_ rules: Set<ResolvedSeccompRule>) throws -> [ResolvedSeccompRule] {
    let byName = Dictionary(grouping: rules, by: \.name)
    var out: [ResolvedSeccompRule] = []
    for (name, group) in byName {
      let unconditional = group.filter { $0.args.isEmpty }
      if unconditional.count > 1 {
        let actions = unconditional.sorted().map { "\($0.action.rawValue)(\($0.errnoRet ?? 0))" }
        throw GarrisonErrorFactory.invalid(
          "resolve seccomp profile", "conflicting actions for \(name): \(actions.joined(separator: ", "))")
      }
      if let only = unconditional.first {
        out.append(only)
        out.append(contentsOf: group.filter { !$0.args.isEmpty && ($0.action != only.action || $0.errnoRet != only.errnoRet) })
      } else {
        out.append(contentsOf: group)
      }
    }
    return out.sorted()
  }
}
