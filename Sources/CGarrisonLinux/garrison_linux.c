#define _GNU_SOURCE
#include "garrison_linux.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <linux/filter.h>

int gr_unshare(int flags) { return unshare(flags); }
int gr_setns(int fd, int nstype) { return setns(fd, nstype); }
int gr_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
  return prctl(option, a2, a3, a4, a5);
}
int gr_pivot_root(const char *new_root, const char *put_old) {
  return (int)syscall(SYS_pivot_root, new_root, put_old);
}
int gr_seccomp_set_filter(unsigned int flags, const void *filter, unsigned short len) {
  struct sock_fprog prog = {.len = len, .filter = (struct sock_filter *)filter};
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}
int gr_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve) {
  struct open_how how = {.flags = (uint64_t)flags, .mode = (uint64_t)mode, .resolve = resolve};
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
int gr_close_range(unsigned int first, unsigned int last, unsigned int flags) {
  return (int)syscall(SYS_close_range, first, last, flags);
}
int gr_setrlimit(int resource, uint64_t soft, uint64_t hard) {
  struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
  return setrlimit(resource, &rl);
}
int gr_getrlimit(int resource, uint64_t *soft, uint64_t *hard) {
  struct rlimit rl;
  int r = getrlimit(resource, &rl);
  if (r == 0) { *soft = rl.rlim_cur; *hard = rl.rlim_max; }
  return r;
}
int gr_memfd_create(const char *name, unsigned int flags) { return (int)syscall(SYS_memfd_create, name, flags); }
int gr_sethostname(const char *name, size_t len) { return sethostname(name, len); }
int gr_open3(const char *path, int flags, int mode) { return open(path, flags, mode); }
int gr_openat3(int dirfd, const char *path, int flags, int mode) { return openat(dirfd, path, flags, mode); }
int gr_ioctl_int(int fd, unsigned long req, int arg) { return ioctl(fd, req, arg); }
int gr_ioctl_ptr(int fd, unsigned long req, void *arg) { return ioctl(fd, req, arg); }
int gr_fcntl_int(int fd, int cmd, int arg) { return fcntl(fd, cmd, arg); }
pid_t gr_gettid(void) { return (pid_t)syscall(SYS_gettid); }
long gr_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
  return syscall(nr, a1, a2, a3, a4, a5, a6);
}
int gr_wifexited(int status) { return WIFEXITED(status); }
int gr_wexitstatus(int status) { return WEXITSTATUS(status); }
int gr_wifsignaled(int status) { return WIFSIGNALED(status); }
int gr_wtermsig(int status) { return WTERMSIG(status); }
int gr_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data) {
  return mount(source, target, fstype, flags, data);
}
int gr_umount2(const char *target, int flags) { return umount2(target, flags); }
int gr_chroot(const char *path) { return chroot(path); }
int gr_setdomainname(const char *name, size_t len) { return setdomainname(name, len); }
int gr_mknodat(int dirfd, const char *path, unsigned int mode, unsigned int major, unsigned int minor) {
  return mknodat(dirfd, path, (mode_t)mode, makedev(major, minor));
}
int gr_setgroups(size_t count, const gid_t *groups) { return setgroups(count, groups); }
int gr_setresuid(uid_t r, uid_t e, uid_t s) { return (int)syscall(SYS_setresuid, r, e, s); }
int gr_setresgid(gid_t r, gid_t e, gid_t s) { return (int)syscall(SYS_setresgid, r, e, s); }
int gr_execve(const char *path, char *const argv[], char *const envp[]) { return execve(path, argv, envp); }
pid_t gr_fork(void) { return fork(); }
int gr_send_nosignal(int fd, const void *buf, size_t len) { return (int)send(fd, buf, len, MSG_NOSIGNAL); }
int gr_socketpair_stream(int fds[2]) { return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds); }
int gr_memfd_seal(int fd) {
  return fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
}
int gr_fsopen(const char *fsname, unsigned int flags) { return (int)syscall(SYS_fsopen, fsname, flags); }
int gr_fsconfig_string(int fd, const char *key, const char *value) {
  return (int)syscall(SYS_fsconfig, fd, 1 /* FSCONFIG_SET_STRING */, key, value, 0);
}
int gr_fsconfig_create(int fd) { return (int)syscall(SYS_fsconfig, fd, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0); }
int gr_fsmount(int fd, unsigned int flags, unsigned int attrs) { return (int)syscall(SYS_fsmount, fd, flags, attrs); }
int gr_kill(pid_t pid, int sig) { return kill(pid, sig); }
int gr_sigprocmask_unblock_all(void) {
  sigset_t set;
  sigemptyset(&set);
  return sigprocmask(SIG_SETMASK, &set, NULL);
}
/* Resets every signal disposition to SIG_DFL with the raw syscall: glibc's signal() refuses its internal
 * real-time signals, which an ignoring ancestor would otherwise pass on to the container process. */
int gr_signal_default_all(void) {
  struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } act = {0};
  for (int sig = 1; sig <= 64; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    if (syscall(SYS_rt_sigaction, sig, &act, NULL, sizeof act.mask) != 0) return -1;
  }
  return 0;
}
