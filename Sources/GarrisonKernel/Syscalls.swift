import CGarrisonLinux
import Glibc

/// Thin, typed wrappers over the Linux system calls Garrison needs: each returns its result or throws the
/// `Errno`, retrying `EINTR` only where the call is safe to repeat. Doc lines name the underlying call.
public enum Kernel {
  /// The corresponding C function is `mount`.
  public static func mount(source: String?, target: String, type: String?, flags: UInt, data: String?) throws(Errno) {
    try cPath(target)
    if let source { try cPath(source) }
    if let data { try cPath(data) }
    _ = try check(retryOnInterrupt: false) {
      gr_mount(source, target, type, flags, data)
    }
  }

  /// The corresponding C function is `umount2`.
  public static func unmount(_ target: String, flags: Int32) throws(Errno) {
    _ = try check(retryOnInterrupt: false) { gr_umount2(target, flags) }
  }

  /// The corresponding C function is `unshare`.
  public static func unshare(_ flags: Int32) throws(Errno) {
    _ = try check(retryOnInterrupt: false) { gr_unshare(flags) }
  }

  /// The corresponding C function is `setns`.
  public static func setns(_ fd: Int32, _ nstype: Int32) throws(Errno) {
    _ = try check(retryOnInterrupt: false) { gr_setns(fd, nstype) }
  }

  /// The corresponding system call is `pivot_root`.
  public static func pivotRoot(_ newRoot: String, _ putOld: String) throws(Errno) {
    _ = try check(retryOnInterrupt: false) { gr_pivot_root(newRoot, putOld) }
  }

  /// The corresponding C function is `chroot`.
  public static func chroot(_ path: String) throws(Errno) { _ = try check { gr_chroot(path) } }

  /// The corresponding C function is `chdir`.
  public static func chdir(_ path: String) throws(Errno) { _ = try check { Glibc.chdir(path) } }

  /// The corresponding C function is `fchdir`.
  public static func fchdir(_ fd: Int32) throws(Errno) { _ = try check { Glibc.fchdir(fd) } }

  /// The corresponding C function is `getcwd`.
  public static func getcwd() throws(Errno) -> String {
    var buffer = [CChar](repeating: 0, count: 4097)
    guard Glibc.getcwd(&buffer, buffer.count) != nil else { throw Errno.current }
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The host name of the calling process's UTS namespace (`gethostname`).
  public static func hostname() throws(Errno) -> String {
    var buffer = [CChar](repeating: 0, count: 257)
    _ = try check { Glibc.gethostname(&buffer, buffer.count - 1) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The corresponding C function is `sethostname`.
  public static func sethostname(_ name: String) throws(Errno) {
    try cPath(name)
    _ = try check { gr_sethostname(name, name.utf8.count) }
  }

  /// The corresponding C function is `setdomainname`.
  public static func setdomainname(_ name: String) throws(Errno) {
    try cPath(name)
    _ = try check { gr_setdomainname(name, name.utf8.count) }
  }

  /// The corresponding C function is `prctl`.
  @discardableResult
  public static func prctl(_ option: Int32, _ a2: UInt = 0, _ a3: UInt = 0, _ a4: UInt = 0, _ a5: UInt = 0)
    throws(Errno) -> Int32
  {
    try check { gr_prctl(option, a2, a3, a4, a5) }
  }

  /// The corresponding system call is `setresuid` (raw: the init is single-threaded).
  public static func setresuid(_ uid: UInt32) throws(Errno) { _ = try check { gr_setresuid(uid, uid, uid) } }

  /// The corresponding system call is `setresgid` (raw: the init is single-threaded).
  public static func setresgid(_ gid: UInt32) throws(Errno) { _ = try check { gr_setresgid(gid, gid, gid) } }

  /// The corresponding C function is `setgroups`.
  public static func setgroups(_ groups: [UInt32]) throws(Errno) {
    _ = try check { groups.withUnsafeBufferPointer { gr_setgroups($0.count, $0.baseAddress) } }
  }

  /// The corresponding system call is `seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)`; `program` is raw
  /// `struct sock_filter` bytes (8 per instruction).
  public static func installSeccompFilter(_ program: [UInt8], flags: UInt32) throws(Errno) {
    guard program.count % 8 == 0, program.count / 8 <= Int(UInt16.max), !program.isEmpty else {
      throw Errno.EINVAL
    }
    _ = try check(retryOnInterrupt: false) {
      program.withUnsafeBytes { gr_seccomp_set_filter(flags, $0.baseAddress, UInt16(program.count / 8)) }
    }
  }

  /// The corresponding system call is `openat2`.
  public static func openat2(_ dirfd: Int32, _ path: String, flags: Int32, mode: Int32 = 0, resolve: UInt64)
    throws(Errno) -> Int32
  {
    try cPath(path)
    return try check { gr_openat2(dirfd, path, flags | LinuxConstants.O_CLOEXEC, mode, resolve) }
  }

  /// The corresponding C function is `open` (always `O_CLOEXEC`).
  public static func open(_ path: String, flags: Int32, mode: Int32 = 0) throws(Errno) -> Int32 {
    try cPath(path)
    return try check { gr_open3(path, flags | LinuxConstants.O_CLOEXEC, mode) }
  }

  /// The corresponding C function is `openat` (always `O_CLOEXEC`).
  public static func openat(_ dirfd: Int32, _ path: String, flags: Int32, mode: Int32 = 0) throws(Errno) -> Int32 {
    try cPath(path)
    return try check { gr_openat3(dirfd, path, flags | LinuxConstants.O_CLOEXEC, mode) }
  }

  /// The corresponding C function is `close`; errors are not actionable after the descriptor is gone.
  public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

  /// The corresponding system call is `personality` (sets the execution domain; it survives `execve`).
  public static func personality(_ persona: UInt32) throws(Errno) {
    _ = try check { gr_personality(UInt(persona)) }
  }

  /// The corresponding system call is `close_range`.
  public static func closeRange(first: UInt32, last: UInt32 = .max, flags: UInt32) throws(Errno) {
    _ = try check { gr_close_range(first, last, flags) }
  }

  /// The corresponding C function is `mkdirat`.
  public static func mkdirat(_ dirfd: Int32, _ name: String, mode: UInt32) throws(Errno) {
    try cPath(name)
    _ = try check { Glibc.mkdirat(dirfd, name, mode_t(mode)) }
  }

  /// The corresponding C function is `mknodat` (`type` is one of `S_IFCHR`, `S_IFBLK`, `S_IFIFO`).
  public static func mknodat(_ dirfd: Int32, _ name: String, type: UInt32, mode: UInt32, major: UInt32, minor: UInt32)
    throws(Errno)
  {
    try cPath(name)
    _ = try check { gr_mknodat(dirfd, name, type | (mode & 0o7777), major, minor) }
  }

  /// The corresponding C function is `symlinkat`.
  public static func symlinkat(target: String, _ dirfd: Int32, _ name: String) throws(Errno) {
    try cPath(target)
    try cPath(name)
    _ = try check { Glibc.symlinkat(target, dirfd, name) }
  }

  /// The corresponding C function is `fchownat(…, AT_SYMLINK_NOFOLLOW)`.
  public static func fchownat(_ dirfd: Int32, _ name: String, uid: UInt32, gid: UInt32) throws(Errno) {
    try cPath(name)
    _ = try check { Glibc.fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) }
  }

  /// The `nosuid`, `nodev` and `noexec` flags (as `MS_*`) of the mount `fd` is on. The corresponding C function
  /// is `fstatvfs`. A bind remount must pass them again, or it drops them (a read-only bind of a `nosuid` volume
  /// would let a setuid file in it work).
  public static func restrictiveMountFlags(_ fd: Int32) throws(Errno) -> UInt {
    var vfs = statvfs()
    _ = try check { Glibc.fstatvfs(fd, &vfs) }
    return UInt(vfs.f_flag) & (LinuxConstants.MS_NOSUID | LinuxConstants.MS_NODEV | LinuxConstants.MS_NOEXEC)
  }

  /// The corresponding C function is `fstat`; returns `st_mode`.
  public static func fileMode(_ fd: Int32) throws(Errno) -> UInt32 {
    var st = stat()
    _ = try check { Glibc.fstat(fd, &st) }
    return UInt32(st.st_mode)
  }

  /// The corresponding C function is `readlink`.
  public static func readlink(_ path: String) throws(Errno) -> String {
    var buffer = [CChar](repeating: 0, count: 4097)
    let n = try check { Glibc.readlink(path, &buffer, 4096) }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The corresponding C function is `getrlimit`.
  public static func getrlimit(_ resource: Int32) throws(Errno) -> (soft: UInt64, hard: UInt64) {
    var soft: UInt64 = 0
    var hard: UInt64 = 0
    _ = try check { gr_getrlimit(resource, &soft, &hard) }
    return (soft, hard)
  }

  /// The corresponding C function is `setrlimit`.
  public static func setrlimit(_ resource: Int32, soft: UInt64, hard: UInt64) throws(Errno) {
    _ = try check { gr_setrlimit(resource, soft, hard) }
  }

  /// The corresponding C function is `fork`. Only for the single-threaded init.
  public static func fork() throws(Errno) -> Int32 { try check(retryOnInterrupt: false) { gr_fork() } }

  /// The corresponding C function is `waitpid`; returns the raw status.
  public static func waitpid(_ pid: Int32, flags: Int32 = 0) throws(Errno) -> (pid: Int32, status: Int32) {
    var status: Int32 = 0
    let r = try check { Glibc.waitpid(pid, &status, flags) }
    return (r, status)
  }

  /// The corresponding C function is `kill`.
  public static func kill(_ pid: Int32, _ signal: Int32) throws(Errno) {
    _ = try check { gr_kill(pid, signal) }
  }

  /// Unblocks `signals` for the calling thread (`pthread_sigmask(SIG_UNBLOCK)`); threads started afterwards inherit
  /// the mask. A parent may have spawned this process with them blocked (Foundation's `Process` does).
  public static func unblockSignals(_ signals: [Int32]) {
    var set = sigset_t()
    sigemptyset(&set)
    for sig in signals { sigaddset(&set, sig) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }

  /// The corresponding C function is `umask`.
  public static func umask(_ mask: UInt32) { _ = Glibc.umask(mode_t(mask)) }

  /// The corresponding C function is `execve`; returns only by throwing.
  public static func execve(_ path: String, _ args: [String], _ env: [String]) -> Errno {
    var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
    cArgs.append(nil)
    var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) }
    cEnv.append(nil)
    _ = gr_execve(path, cArgs, cEnv)
    let err = Errno.current
    for p in cArgs { free(p) }
    for p in cEnv { free(p) }
    return err
  }

  /// The corresponding C function is `execv`: this process's own argument vector (`CommandLine.unsafeArgv`) and
  /// environment go to `path` unchanged. Returns only on failure, with its errno.
  public static func execv(_ path: String, argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Errno {
    _ = Glibc.execv(path, argv)
    return Errno.current
  }

  /// The corresponding C function is `faccessat` (effective ids).
  public static func isExecutable(_ path: String) -> Bool {
    Glibc.faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0
  }

  /// Resets all signal dispositions to `SIG_DFL` and unblocks every signal (raw `rt_sigaction`,
  /// `sigprocmask`), so the container process starts with a clean signal state.
  public static func resetSignals() throws(Errno) {
    _ = try check { gr_signal_default_all() }
    _ = try check { gr_sigprocmask_unblock_all() }
  }

  /// The corresponding C function is `getpid`.
  public static var pid: Int32 { Glibc.getpid() }
}
