/// The privilege-changing operations of the container init, behind a protocol so the exact order of the
/// credential block can be recorded and tested without root (the tests' `RecordingPrivilegeKernel`).
public protocol PrivilegeKernel {
  /// Writes an LSM attribute file (`/proc/self/attr/...`).
  mutating func writeAttr(_ path: String, _ value: String) throws(Errno)
  /// libapparmor's `aa_change_onexec`: the AppArmor profile this task runs under from its next `execve` on.
  mutating func changeOnExec(_ profile: String) throws(Errno)
  /// `seccomp(SECCOMP_SET_MODE_FILTER)`.
  mutating func installSeccompFilter(_ program: [UInt8], flags: UInt32) throws(Errno)
  /// `prctl(PR_CAPBSET_DROP)`.
  mutating func dropBound(_ cap: Int) throws(Errno)
  /// `prctl(option, arg)`.
  mutating func prctl(_ option: Int32, _ arg: UInt) throws(Errno)
  mutating func setgroups(_ groups: [UInt32]) throws(Errno)
  mutating func setresgid(_ gid: UInt32) throws(Errno)
  mutating func setresuid(_ uid: UInt32) throws(Errno)
  /// `capset` of effective, permitted and inheritable.
  mutating func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64, lastCap: Int) throws(Errno)
  mutating func clearAmbient() throws(Errno)
  mutating func raiseAmbient(_ cap: Int) throws(Errno)
  mutating func umask(_ mask: UInt32)
}

/// The real kernel.
public struct LinuxPrivilegeKernel: PrivilegeKernel {
  public init() {}
  public func writeAttr(_ path: String, _ value: String) throws(Errno) { try FileIO.write(path, value) }
  public func changeOnExec(_ profile: String) throws(Errno) { try AppArmorLibrary.changeOnExec(profile) }
  public func installSeccompFilter(_ program: [UInt8], flags: UInt32) throws(Errno) {
    try Kernel.installSeccompFilter(program, flags: flags)
  }
  public func dropBound(_ cap: Int) throws(Errno) { try CapabilityControl.dropBound(cap) }
  public func prctl(_ option: Int32, _ arg: UInt) throws(Errno) { try Kernel.prctl(option, arg) }
  public func setgroups(_ groups: [UInt32]) throws(Errno) { try Kernel.setgroups(groups) }
  public func setresgid(_ gid: UInt32) throws(Errno) { try Kernel.setresgid(gid) }
  public func setresuid(_ uid: UInt32) throws(Errno) { try Kernel.setresuid(uid) }
  public func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64, lastCap: Int) throws(Errno) {
    try CapabilityControl.setProcess(
      effective: effective, permitted: permitted, inheritable: inheritable,
      lastCap: lastCap)
  }
  public func clearAmbient() throws(Errno) { try CapabilityControl.clearAmbient() }
  public func raiseAmbient(_ cap: Int) throws(Errno) { try CapabilityControl.raiseAmbient(cap) }
  public func umask(_ mask: UInt32) { Kernel.umask(mask) }
}
