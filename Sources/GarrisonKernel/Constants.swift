/// Linux constants Swift's Glibc module does not export (they sit behind `_GNU_SOURCE` or in linux/ headers).
public enum LinuxConstants {
  // Scheduling policies glibc's sched.h declares only under _GNU_SOURCE (linux/sched.h).
  public static let SCHED_DEADLINE: Int32 = 6
  public static let SCHED_RESET_ON_FORK: Int32 = 0x4000_0000
  // Namespaces (sched.h).
  public static let CLONE_NEWNS: Int32 = 0x0002_0000
  public static let CLONE_NEWCGROUP: Int32 = 0x0200_0000
  public static let CLONE_NEWUTS: Int32 = 0x0400_0000
  public static let CLONE_NEWIPC: Int32 = 0x0800_0000
  public static let CLONE_NEWUSER: Int32 = 0x1000_0000
  public static let CLONE_NEWPID: Int32 = 0x2000_0000
  public static let CLONE_NEWNET: Int32 = 0x4000_0000
  public static let CLONE_NEWTIME: Int32 = 0x0000_0080

  // open(2).
  public static let O_PATH: Int32 = 0o10000000
  /// `__O_TMPFILE | O_DIRECTORY`: an unnamed regular file in the directory opened.
  public static let O_TMPFILE: Int32 = 0o20200000
  public static let O_DIRECTORY: Int32 = 0o200000
  public static let O_NOFOLLOW: Int32 = 0o400000
  public static let O_CLOEXEC: Int32 = 0o2000000
  public static let O_RDONLY: Int32 = 0
  public static let O_WRONLY: Int32 = 1
  public static let O_RDWR: Int32 = 2
  public static let O_CREAT: Int32 = 0o100
  public static let O_EXCL: Int32 = 0o200
  public static let O_TRUNC: Int32 = 0o1000
  public static let O_NONBLOCK: Int32 = 0o4000
  public static let O_NOCTTY: Int32 = 0o400

  // openat2 resolve flags (linux/openat2.h).
  public static let RESOLVE_NO_XDEV: UInt64 = 0x01
  public static let RESOLVE_NO_MAGICLINKS: UInt64 = 0x02
  public static let RESOLVE_NO_SYMLINKS: UInt64 = 0x04
  public static let RESOLVE_BENEATH: UInt64 = 0x08
  public static let RESOLVE_IN_ROOT: UInt64 = 0x10

  // mount(2) flags.
  public static let MS_RDONLY: UInt = 1
  public static let MS_NOSUID: UInt = 2
  public static let MS_NODEV: UInt = 4
  public static let MS_NOEXEC: UInt = 8
  public static let MS_SYNCHRONOUS: UInt = 16
  public static let MS_REMOUNT: UInt = 32
  public static let MS_MANDLOCK: UInt = 64
  public static let MS_DIRSYNC: UInt = 128
  public static let MS_NOSYMFOLLOW: UInt = 256
  public static let MS_NOATIME: UInt = 1024
  public static let MS_NODIRATIME: UInt = 2048
  public static let MS_BIND: UInt = 4096
  public static let MS_MOVE: UInt = 8192
  public static let MS_REC: UInt = 16384
  public static let MS_SILENT: UInt = 32768
  public static let MS_UNBINDABLE: UInt = 1 << 17
  public static let MS_PRIVATE: UInt = 1 << 18
  public static let MS_SLAVE: UInt = 1 << 19
  public static let MS_SHARED: UInt = 1 << 20
  public static let MS_RELATIME: UInt = 1 << 21
  public static let MS_STRICTATIME: UInt = 1 << 24
  public static let MS_LAZYTIME: UInt = 1 << 25
  public static let MNT_DETACH: Int32 = 2

  // prctl(2).
  public static let PR_SET_PDEATHSIG: Int32 = 1
  public static let PR_SET_DUMPABLE: Int32 = 4
  public static let PR_SET_KEEPCAPS: Int32 = 8
  public static let PR_CAPBSET_READ: Int32 = 23
  public static let PR_CAPBSET_DROP: Int32 = 24
  public static let PR_SET_CHILD_SUBREAPER: Int32 = 36
  public static let PR_SET_NO_NEW_PRIVS: Int32 = 38
  public static let PR_GET_NO_NEW_PRIVS: Int32 = 39
  public static let PR_CAP_AMBIENT: Int32 = 47
  public static let PR_CAP_AMBIENT_RAISE: UInt = 2
  public static let PR_CAP_AMBIENT_CLEAR_ALL: UInt = 4

  // seccomp(2) filter flags.
  public static let SECCOMP_FILTER_FLAG_TSYNC: UInt32 = 1
  public static let SECCOMP_FILTER_FLAG_LOG: UInt32 = 2
  public static let SECCOMP_FILTER_FLAG_SPEC_ALLOW: UInt32 = 4

  // close_range(2).
  public static let CLOSE_RANGE_CLOEXEC: UInt32 = 4

  // memfd_create(2).
  public static let MFD_CLOEXEC: UInt32 = 1
  public static let MFD_ALLOW_SEALING: UInt32 = 2

  // mknod(2) file types.
  public static let S_IFCHR: UInt32 = 0o020000
  public static let S_IFBLK: UInt32 = 0o060000
  public static let S_IFIFO: UInt32 = 0o010000
  public static let S_IFDIR: UInt32 = 0o040000
  public static let S_IFREG: UInt32 = 0o100000
  public static let S_IFMT: UInt32 = 0o170000

  // seccomp filter return actions (linux/seccomp.h, SECCOMP_RET_*); the low 16 bits carry data.
  public static let SECCOMP_RET_KILL_PROCESS: UInt32 = 0x8000_0000
  public static let SECCOMP_RET_KILL_THREAD: UInt32 = 0x0000_0000
  public static let SECCOMP_RET_TRAP: UInt32 = 0x0003_0000
  public static let SECCOMP_RET_ERRNO: UInt32 = 0x0005_0000
  public static let SECCOMP_RET_USER_NOTIF: UInt32 = 0x7fc0_0000
  public static let SECCOMP_RET_TRACE: UInt32 = 0x7ff0_0000
  public static let SECCOMP_RET_LOG: UInt32 = 0x7ffc_0000
  public static let SECCOMP_RET_ALLOW: UInt32 = 0x7fff_0000
  public static let SECCOMP_RET_DATA: UInt32 = 0x0000_ffff

  // Audit architecture tokens (linux/audit.h): an ELF machine number with these flags.
  public static let AUDIT_ARCH_64BIT: UInt32 = 0x8000_0000
  public static let AUDIT_ARCH_LE: UInt32 = 0x4000_0000
  public static let AUDIT_ARCH_CONVENTION_MIPS64_N32: UInt32 = 0x2000_0000

  // nsfs ioctls (linux/nsfs.h).
  public static let NS_GET_NSTYPE: UInt = 0xB703

  // eBPF instruction encoding (linux/bpf.h, linux/bpf_common.h): class | op | source or size.
  public static let BPF_LDX: UInt8 = 0x01
  public static let BPF_ALU64: UInt8 = 0x07
  public static let BPF_JMP: UInt8 = 0x05
  public static let BPF_MEM: UInt8 = 0x60
  public static let BPF_W: UInt8 = 0x00
  public static let BPF_K: UInt8 = 0x00
  public static let BPF_X: UInt8 = 0x08
  public static let BPF_AND: UInt8 = 0x50
  public static let BPF_RSH: UInt8 = 0x70
  public static let BPF_MOV: UInt8 = 0xb0
  public static let BPF_JEQ: UInt8 = 0x10
  public static let BPF_JSET: UInt8 = 0x40
  public static let BPF_JNE: UInt8 = 0x50
  public static let BPF_EXIT: UInt8 = 0x90
}
