import CCap

/// The five capability sets of a process as bit masks (bit N = capability N).
public struct CapabilitySets: Codable, Equatable, Sendable {
  public var bounding: UInt64
  public var effective: UInt64
  public var permitted: UInt64
  public var inheritable: UInt64
  public var ambient: UInt64
  public init(
    bounding: UInt64 = 0, effective: UInt64 = 0, permitted: UInt64 = 0, inheritable: UInt64 = 0,
    ambient: UInt64 = 0
  ) {
    self.bounding = bounding
    self.effective = effective
    self.permitted = permitted
    self.inheritable = inheritable
    self.ambient = ambient
  }
}

/// Capability changes through libcap, one call per kernel operation so each failure names its capability.
public enum CapabilityControl {
  /// Drops `cap` from the bounding set. The corresponding libcap function is `cap_drop_bound`
  /// (`prctl(PR_CAPBSET_DROP)`).
  public static func dropBound(_ cap: Int) throws(Errno) {
    if cap_drop_bound(cap_value_t(cap)) != 0 { throw Errno.current }
  }

  /// Sets effective, permitted and inheritable sets exactly. The corresponding libcap function is
  /// `cap_set_proc` (`capset`).
  public static func setProcess(effective: UInt64, permitted: UInt64, inheritable: UInt64, lastCap: Int)
    throws(Errno)
  {
    guard let caps = cap_init() else { throw Errno.current }
    defer { cap_free(UnsafeMutableRawPointer(caps)) }
    for cap in 0...lastCap {
      var value = cap_value_t(cap)
      let bit = UInt64(1) << UInt64(cap)
      if effective & bit != 0, cap_set_flag(caps, CAP_EFFECTIVE, 1, &value, CAP_SET) != 0 { throw Errno.current }
      if permitted & bit != 0, cap_set_flag(caps, CAP_PERMITTED, 1, &value, CAP_SET) != 0 { throw Errno.current }
      if inheritable & bit != 0, cap_set_flag(caps, CAP_INHERITABLE, 1, &value, CAP_SET) != 0 {
        throw Errno.current
      }
    }
    if cap_set_proc(caps) != 0 { throw Errno.current }
  }

  /// Clears the ambient set: `prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)`, one system call (libcap's
  /// `cap_reset_ambient` first probes every capability with `PR_CAP_AMBIENT_IS_SET`: 42 calls per start).
  public static func clearAmbient() throws(Errno) {
    try Kernel.prctl(LinuxConstants.PR_CAP_AMBIENT, LinuxConstants.PR_CAP_AMBIENT_CLEAR_ALL)
  }

  /// Raises `cap` in the ambient set. The corresponding libcap function is `cap_set_ambient`.
  public static func raiseAmbient(_ cap: Int) throws(Errno) {
    if cap_set_ambient(cap_value_t(cap), CAP_SET) != 0 { throw Errno.current }
  }
}
