import GarrisonKernel

/// A fake that records each call as a line (`setresuid 1000`) and fails the calls whose line starts with a
/// prefix in `failing`, so tests can check the order and the error paths of the init without root.
struct RecordingPrivilegeKernel: PrivilegeKernel {
  var calls: [String] = []
  var failing: [String: Errno] = [:]
  init(failing: [String: Errno] = [:]) { self.failing = failing }

  private mutating func record(_ line: String) throws(Errno) {
    calls.append(line)
    for (prefix, err) in failing where line.hasPrefix(prefix) { throw err }
  }
  mutating func writeAttr(_ path: String, _ value: String) throws(Errno) { try record("write \(path) \(value)") }
  mutating func changeOnExec(_ profile: String) throws(Errno) { try record("aa_change_onexec \(profile)") }
  mutating func installSeccompFilter(_ program: [UInt8], flags: UInt32) throws(Errno) {
    try record("seccomp \(program.count / 8) flags=\(flags)")
  }
  mutating func dropBound(_ cap: Int) throws(Errno) { try record("dropBound \(cap)") }
  mutating func prctl(_ option: Int32, _ arg: UInt) throws(Errno) { try record("prctl \(option) \(arg)") }
  mutating func setgroups(_ groups: [UInt32]) throws(Errno) { try record("setgroups \(groups)") }
  mutating func setresgid(_ gid: UInt32) throws(Errno) { try record("setresgid \(gid)") }
  mutating func setresuid(_ uid: UInt32) throws(Errno) { try record("setresuid \(uid)") }
  mutating func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64, lastCap: Int) throws(Errno) {
    try record("capset e=\(effective) p=\(permitted) i=\(inheritable)")
  }
  mutating func clearAmbient() throws(Errno) { try record("clearAmbient") }
  mutating func raiseAmbient(_ cap: Int) throws(Errno) { try record("raiseAmbient \(cap)") }
  mutating func umask(_ mask: UInt32) { calls.append("umask \(mask)") }
}
