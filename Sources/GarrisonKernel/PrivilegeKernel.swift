/// The privilege-changing operations of the container init, behind a protocol so the exact order of the
/// credential block can be recorded and tested without root (`RecordingPrivilegeKernel`).
public protocol PrivilegeKernel {
  /// Writes an LSM attribute file (`/proc/self/attr/...`).
  mutating func writeAttr(_ path: String, _ value: String) throws(Errno)
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
  public func installSeccompFilter(_ program: [UInt8], flags: UInt32) throws(Errno) {
    try Kernel.installSeccompFilter(program, flags: flags)
  }
  public func dropBound(_ cap: Int) throws(Errno) { try CapabilityControl.dropBound(cap) }
  public func prctl(_ option: Int32, _ arg: UInt) throws(Errno) { try Kernel.prctl(option, arg) }
  public func setgroups(_ groups: [UInt32]) throws(Errno) { try Kernel.setgroups(groups) }
  public func setresgid(_ gid: UInt32) throws(Errno) { try Kernel.setresgid(gid) }
  public func setresuid(_ uid: UInt32) throws(Errno) { try Kernel.setresuid(uid) }
  public func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64, lastCap: Int) throws(Errno) {
    try CapabilityControl.setProcess(effective: effective, permitted: permitted, inheritable: inheritable,
                                     lastCap: lastCap)
  }
  public func clearAmbient() throws(Errno) { try CapabilityControl.clearAmbient() }
  public func raiseAmbient(_ cap: Int) throws(Errno) { try CapabilityControl.raiseAmbient(cap) }
  public func umask(_ mask: UInt32) { Kernel.umask(mask) }
}

/// A fake that records each call as a line (`setresuid 1000`) and fails the calls whose line starts with a
/// prefix in `failing`, so tests can check the order and the error paths of the init without root.
public struct RecordingPrivilegeKernel: PrivilegeKernel {
  public var calls: [String] = []
  public var failing: [String: Errno] = [:]
  public init(failing: [String: Errno] = [:]) { self.failing = failing }

  private mutating func record(_ line: String) throws(Errno) {
    calls.append(line)
    for (prefix, err) in failing where line.hasPrefix(prefix) { throw err }
  }
  public mutating func writeAttr(_ path: String, _ value: String) throws(Errno) { try record("write \(path) \(value)") }
  public mutating func installSeccompFilter(_ program: [UInt8], flags: UInt32) throws(Errno) {
    try record("seccomp \(program.count / 8) flags=\(flags)")
  }
  public mutating func dropBound(_ cap: Int) throws(Errno) { try record("dropBound \(cap)") }
  public mutating func prctl(_ option: Int32, _ arg: UInt) throws(Errno) { try record("prctl \(option) \(arg)") }
  public mutating func setgroups(_ groups: [UInt32]) throws(Errno) { try record("setgroups \(groups)") }
  public mutating func setresgid(_ gid: UInt32) throws(Errno) { try record("setresgid \(gid)") }
  public mutating func setresuid(_ uid: UInt32) throws(Errno) { try record("setresuid \(uid)") }
  public mutating func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64, lastCap: Int) throws(Errno) {
    try record("capset e=\(effective) p=\(permitted) i=\(inheritable)")
  }
  public mutating func clearAmbient() throws(Errno) { try record("clearAmbient") }
  public mutating func raiseAmbient(_ cap: Int) throws(Errno) { try record("raiseAmbient \(cap)") }
  public mutating func umask(_ mask: UInt32) { calls.append("umask \(mask)") }
}
