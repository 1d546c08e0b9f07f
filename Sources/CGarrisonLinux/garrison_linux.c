#define _GNU_SOURCE
#include "garrison_linux.h"
#include <fcntl.h>
#include <malloc.h>
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
#include <sys/un.h>
#include <string.h>
#include <errno.h>
#include <termios.h>
#include <net/if.h>
#include <net/route.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/sockios.h>
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
int gr_personality(unsigned long persona) { return (int)syscall(SYS_personality, persona); }
int gr_malloc_top_pad(int bytes) { return mallopt(M_TOP_PAD, bytes); }
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
int gr_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
  int rc = posix_spawn_file_actions_addclosefrom_np(actions, from);
  if (rc != 0) { errno = rc; return -1; }
  return 0;
}
int gr_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
  int rc = posix_spawn_file_actions_addchdir_np(actions, path);
  if (rc != 0) { errno = rc; return -1; }
  return 0;
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

/* A connected AF_UNIX stream socket to `path` (close-on-exec); -1/ENAMETOOLONG when the path does not fit. */
int gr_connect_unix(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  if (len >= sizeof addr.sun_path) { errno = ENAMETOOLONG; return -1; }
  memcpy(addr.sun_path, path, len + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}
/* sendmsg of `buf` with `count` (at most GR_MAX_FDS) descriptors attached as SCM_RIGHTS (none when 0). */
int gr_send_fds(int sock, const void *buf, size_t len, const int *fds, int count) {
  union { struct cmsghdr align; char bytes[CMSG_SPACE(sizeof(int) * GR_MAX_FDS)]; } control;
  if (count < 0 || count > GR_MAX_FDS) { errno = EINVAL; return -1; }
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (count > 0) {
    msg.msg_control = control.bytes;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count);
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)count);
  }
  ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  return n < 0 ? -1 : (int)n;
}
int gr_send_fd(int sock, const void *buf, size_t len, int fd) { return gr_send_fds(sock, buf, len, &fd, 1); }
/* recvmsg into `buf`; the descriptors that came with it (close-on-exec, at most `max`) go to `fds` and their
 * number to *count. More than `max` (the kernel closes the rest: MSG_CTRUNC) is EMSGSIZE, after closing ours. */
ssize_t gr_recv_fds(int sock, void *buf, size_t len, int *fds, int max, int *count) {
  union { struct cmsghdr align; char bytes[CMSG_SPACE(sizeof(int) * GR_MAX_FDS)]; } control;
  struct iovec iov = {.iov_base = buf, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                       .msg_controllen = sizeof control.bytes};
  *count = 0;
  int overflow = 0;
  ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < got; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + sizeof(int) * (size_t)i, sizeof fd);
      if (*count < max) {
        fds[(*count)++] = fd;
      } else {
        close(fd);
        overflow = 1;
      }
    }
  }
  if ((msg.msg_flags & MSG_CTRUNC) || overflow) {
    for (int i = 0; i < *count; i++) close(fds[i]);
    *count = 0;
    errno = EMSGSIZE;
    return -1;
  }
  return n;
}
ssize_t gr_recv_fd(int sock, void *buf, size_t len, int *fd) {
  int count = 0;
  *fd = -1; /* stays -1 unless a descriptor came */
  return gr_recv_fds(sock, buf, len, fd, 1, &count);
}
int gr_pty_unlock(int master) { int unlock = 0; return ioctl(master, TIOCSPTLCK, &unlock); }
int gr_pty_number(int master, unsigned int *number) { return ioctl(master, TIOCGPTN, number); }
int gr_pty_peer(int master, int flags) { return ioctl(master, TIOCGPTPEER, flags); }
int gr_set_ctty(int fd) { return ioctl(fd, TIOCSCTTY, 0); }
int gr_set_winsize(int fd, unsigned short rows, unsigned short cols) {
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  return ioctl(fd, TIOCSWINSZ, &ws);
}
int gr_get_winsize(int fd, unsigned short *rows, unsigned short *cols) {
  struct winsize ws;
  int r = ioctl(fd, TIOCGWINSZ, &ws);
  if (r == 0) { *rows = ws.ws_row; *cols = ws.ws_col; }
  return r;
}

long gr_splice(int in_fd, int out_fd, size_t len) {
  return (long)splice(in_fd, NULL, out_fd, NULL, len, SPLICE_F_MOVE | SPLICE_F_MORE);
}

int gr_pipe_cloexec(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  (void)fcntl(fds[1], F_SETPIPE_SZ, 1 << 20); /* fewer splice round trips; the default 64 KiB is fine too */
  return 0;
}

int gr_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }

static int gr_ifreq_name(struct ifreq *ifr, const char *name) {
  memset(ifr, 0, sizeof *ifr);
  if (strlen(name) >= IFNAMSIZ) { errno = EINVAL; return -1; }
  strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
  return 0;
}

static int gr_sockaddr_ipv4(struct sockaddr *out, const char *address) {
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  if (inet_pton(AF_INET, address, &sin.sin_addr) != 1) { errno = EINVAL; return -1; }
  memcpy(out, &sin, sizeof sin);
  return 0;
}

int gr_interface_up(int fd, const char *name) {
  struct ifreq ifr;
  if (gr_ifreq_name(&ifr, name) < 0) return -1;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) return -1;
  if (ifr.ifr_flags & IFF_UP) return 0;
  ifr.ifr_flags |= IFF_UP;
  return ioctl(fd, SIOCSIFFLAGS, &ifr);
}

int gr_bridge_add_interface(int fd, const char *bridge, const char *name) {
  struct ifreq ifr;
  if (gr_ifreq_name(&ifr, name) < 0) return -1;
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) return -1;
  int index = ifr.ifr_ifindex;
  if (gr_ifreq_name(&ifr, bridge) < 0) return -1;
  ifr.ifr_ifindex = index;
  return ioctl(fd, SIOCBRADDIF, &ifr);
}

int gr_interface_set_ipv4(int fd, const char *name, const char *address, int prefix) {
  if (prefix < 0 || prefix > 32) { errno = EINVAL; return -1; }
  struct ifreq ifr;
  if (gr_ifreq_name(&ifr, name) < 0) return -1;
  if (gr_sockaddr_ipv4(&ifr.ifr_addr, address) < 0) return -1;
  if (ioctl(fd, SIOCSIFADDR, &ifr) < 0) return -1;
  struct sockaddr_in mask;
  memset(&mask, 0, sizeof mask);
  mask.sin_family = AF_INET;
  mask.sin_addr.s_addr = htonl(prefix == 0 ? 0 : 0xffffffffu << (32 - prefix));
  memcpy(&ifr.ifr_netmask, &mask, sizeof mask);
  return ioctl(fd, SIOCSIFNETMASK, &ifr);
}

int gr_add_default_route(int fd, const char *gateway) {
  struct rtentry rt;
  memset(&rt, 0, sizeof rt);
  if (gr_sockaddr_ipv4(&rt.rt_gateway, gateway) < 0) return -1;
  if (gr_sockaddr_ipv4(&rt.rt_dst, "0.0.0.0") < 0) return -1;
  if (gr_sockaddr_ipv4(&rt.rt_genmask, "0.0.0.0") < 0) return -1;
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  return ioctl(fd, SIOCADDRT, &rt);
}
