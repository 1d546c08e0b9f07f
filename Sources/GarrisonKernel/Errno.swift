import Glibc

/// A Linux error number with its symbolic name, as returned by a failed system call.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
  public var rawValue: Int32
  public init(rawValue: Int32) { self.rawValue = rawValue }

  /// The calling thread's current `errno`.
  public static var current: Errno { Errno(rawValue: Glibc.errno) }

  /// The symbolic name (`EPERM`), or `errno N` for numbers outside the table.
  public var name: String { Errno.names[rawValue] ?? "errno \(rawValue)" }

  /// `EPERM (Operation not permitted)`.
  public var description: String {
    guard let text = strerror(rawValue) else { return name }
    return "\(name) (\(String(cString: text)))"
  }

  public static let EPERM = Errno(rawValue: 1)
  public static let ENOENT = Errno(rawValue: 2)
  public static let ESRCH = Errno(rawValue: 3)
  public static let EINTR = Errno(rawValue: 4)
  public static let EAGAIN = Errno(rawValue: 11)
  public static let EACCES = Errno(rawValue: 13)
  public static let EEXIST = Errno(rawValue: 17)
  public static let ENOTDIR = Errno(rawValue: 20)
  public static let EISDIR = Errno(rawValue: 21)
  public static let EINVAL = Errno(rawValue: 22)
  public static let ENOSYS = Errno(rawValue: 38)
  public static let ELOOP = Errno(rawValue: 40)
  public static let EXDEV = Errno(rawValue: 18)
  public static let ENXIO = Errno(rawValue: 6)

  static let names: [Int32: String] = [
    1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF",
    10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY", 17: "EEXIST",
    18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY",
    26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS", 31: "EMLINK", 32: "EPIPE", 34: "ERANGE",
    36: "ENAMETOOLONG", 38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP", 95: "EOPNOTSUPP", 110: "ETIMEDOUT",
  ]
}

/// Refuses (`EINVAL`) a string bound for a system call that holds a NUL byte: C would see only the part before
/// it (`"..\0x"` is `..` to the kernel).
@inline(__always)
func cPath(_ text: String) throws(Errno) {
  if text.utf8.contains(0) { throw Errno.EINVAL }
}

/// Runs a system call that returns -1 and sets errno on failure, retrying on `EINTR` when asked.
@inline(__always)
func check<T: BinaryInteger>(retryOnInterrupt: Bool = true, _ body: () -> T) throws(Errno) -> T {
  while true {
    let result = body()
    if result != -1 { return result }
    let err = Errno.current
    if retryOnInterrupt && err == .EINTR { continue }
    throw err
  }
}
