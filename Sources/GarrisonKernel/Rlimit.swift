/// `RLIMIT_*` resources by number (asm-generic/resource.h), a closed vocabulary validated at parse time.
public enum RlimitResource {
  /// Names indexed by resource number.
  public static let names: [String] = [
    "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
    "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
  ]
  /// The number of `name`, or nil if unknown.
  public static func number(_ name: String) -> Int32? { names.firstIndex(of: name).map { Int32($0) } }
}
