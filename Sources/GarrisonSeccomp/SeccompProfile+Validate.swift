import GarrisonCore

extension SeccompProfile {
  /// Checks what the JSON schema cannot: syscall names known to libseccomp, return values only on
  /// ERRNO/TRACE, argument indexes 0…5, known capability names, no unsupported actions.
  public func validate() throws {
    let root = FieldPath()
    try Self.checkAction(defaultAction, errnoRet: defaultErrnoRet, field: root / "defaultAction")
    for (i, rule) in syscalls.enumerated() {
      let field = root / "syscalls" / i
      if rule.names.isEmpty {
        throw GarrisonErrorFactory.invalid("validate seccomp profile", "rule has no syscall names", field: field / "names")
      }
      for (j, name) in rule.names.enumerated() where !SyscallTable.isKnown(name) {
        throw GarrisonErrorFactory.invalid(
          "validate seccomp profile", "unknown system call \"\(name)\"", field: field / "names" / j)
      }
      try Self.checkAction(rule.action, errnoRet: rule.errnoRet, field: field / "action")
      let args = rule.args ?? []
      if args.count > 6 {
        throw GarrisonErrorFactory.invalid("validate seccomp profile", "at most 6 argument conditions", field: field / "args")
      }
      for (k, arg) in args.enumerated() {
        if arg.index > 5 {
          throw GarrisonErrorFactory.invalid(
            "validate seccomp profile", "argument index \(arg.index) out of range 0…5", field: field / "args" / k / "index")
        }
        if arg.op != .maskedEqual && arg.valueTwo != 0 {
          throw GarrisonErrorFactory.invalid(
            "validate seccomp profile", "valueTwo is only meaningful with SCMP_CMP_MASKED_EQ",
            field: field / "args" / k / "valueTwo")
        }
      }
      for (label, condition) in [("includes", rule.includes), ("excludes", rule.excludes)] {
        for (k, cap) in (condition?.caps ?? []).enumerated() where LinuxCapabilityName.normalized(cap) == nil {
          throw GarrisonErrorFactory.invalid(
            "validate seccomp profile", "unknown capability \"\(cap)\"", field: field / label / "caps" / k)
        }
      }
      if rule.excludes?.minKernel != nil {
        throw GarrisonErrorFactory.invalid(
          "validate seccomp profile", "minKernel is only supported in includes", field: field / "excludes" / "minKernel")
      }
    }
  }

  static func checkAction(_ action: SeccompAction, errnoRet: UInt32?, field: FieldPath) throws {
    if action == .notify {
      throw GarrisonError(
        .unenforceable, operation: "validate seccomp profile",
        "SCMP_ACT_NOTIFY needs a seccomp agent, which Garrison does not run", field: field)
    }
    if let errnoRet {
      guard action.takesReturnValue else {
        throw GarrisonErrorFactory.invalid(
          "validate seccomp profile", "errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE", field: field)
      }
      guard errnoRet <= 4095 || action == .trace, errnoRet <= 0xffff else {
        throw GarrisonErrorFactory.invalid("validate seccomp profile", "errnoRet \(errnoRet) out of range", field: field)
      }
    }
  }
}
