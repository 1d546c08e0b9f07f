/* The one C shim of Garrison: declarations and tiny gr_ wrappers for what Swift cannot call
 * (function-like macros, variadic functions, raw syscalls without a glibc wrapper).
 * Every wrapper returns -1 and leaves errno set on failure; no logic lives here, except gr_spawn, whose
 * child (a copy of a threaded Swift process) must not run Swift between clone3 and execve. */
#ifndef GARRISON_LINUX_H
#define GARRISON_LINUX_H
#include <stdint.h>
#include <spawn.h>
#include <sys/types.h>

int gr_unshare(int flags);
int gr_setns(int fd, int nstype);
int gr_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
int gr_pivot_root(const char *new_root, const char *put_old);
int gr_seccomp_set_filter(unsigned int flags, const void *filter, unsigned short len);
int gr_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve);
int gr_close_range(unsigned int first, unsigned int last, unsigned int flags);
int gr_personality(unsigned long persona);
/* mallopt(M_TOP_PAD, bytes): <malloc.h> is not in Glibc's module map. Returns 1 on success, 0 on failure. */
int gr_malloc_top_pad(int bytes);
int gr_setrlimit(int resource, uint64_t soft, uint64_t hard);
int gr_getrlimit(int resource, uint64_t *soft, uint64_t *hard);
int gr_memfd_create(const char *name, unsigned int flags);
int gr_sethostname(const char *name, size_t len);
int gr_open3(const char *path, int flags, int mode);
int gr_openat3(int dirfd, const char *path, int flags, int mode);
int gr_ioctl_int(int fd, unsigned long req, int arg);
int gr_ioctl_ptr(int fd, unsigned long req, void *arg);
int gr_fcntl_int(int fd, int cmd, int arg);
pid_t gr_gettid(void);
long gr_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

int gr_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data);
int gr_umount2(const char *target, int flags);
int gr_chroot(const char *path);
int gr_setdomainname(const char *name, size_t len);
int gr_mknodat(int dirfd, const char *path, unsigned int mode, unsigned int major, unsigned int minor);
int gr_setgroups(size_t count, const gid_t *groups);
int gr_setresuid(uid_t r, uid_t e, uid_t s);
int gr_setresgid(gid_t r, gid_t e, gid_t s);
int gr_execve(const char *path, char *const argv[], char *const envp[]);
pid_t gr_fork(void);
int gr_send_nosignal(int fd, const void *buf, size_t len);
int gr_socketpair_stream(int fds[2]);
/* splice(2) between descriptors, no offsets (one side must be a pipe); pipe2(O_CLOEXEC), asking for a 1 MiB pipe. */
long gr_splice(int in_fd, int out_fd, size_t len);
int gr_pipe_cloexec(int fds[2]);
/* accept4(SOCK_CLOEXEC), no peer address. */
int gr_accept_cloexec(int fd);
int gr_memfd_seal(int fd);
/* New mount API (fsopen(2), fsconfig(2), fsmount(2)): detached mounts that no mount namespace can reach. */
int gr_fsopen(const char *fsname, unsigned int flags);
int gr_fsconfig_string(int fd, const char *key, const char *value);
int gr_fsconfig_create(int fd);
int gr_fsmount(int fd, unsigned int flags, unsigned int attrs);
int gr_kill(pid_t pid, int sig);
int gr_sigprocmask_unblock_all(void);
int gr_signal_default_all(void);

/* Terminals and descriptor passing (console socket). */
int gr_connect_unix(const char *path);
/* The most descriptors one gr_send_fds/gr_recv_fds message carries. */
#define GR_MAX_FDS 32
int gr_send_fds(int sock, const void *buf, size_t len, const int *fds, int count);
ssize_t gr_recv_fds(int sock, void *buf, size_t len, int *fds, int max, int *count);
int gr_send_fd(int sock, const void *buf, size_t len, int fd);
ssize_t gr_recv_fd(int sock, void *buf, size_t len, int *fd);
int gr_pty_unlock(int master);
int gr_pty_number(int master, unsigned int *number);
int gr_pty_peer(int master, int flags);
int gr_set_ctty(int fd);
int gr_set_winsize(int fd, unsigned short rows, unsigned short cols);
/* Network interface ioctls on an AF_INET socket `fd`, acting in the network namespace the socket was created in
 * (struct ifreq and struct rtentry are unions Swift cannot fill):
 * gr_interface_up: SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP;
 * gr_bridge_add_interface: SIOCGIFINDEX of `name`, then SIOCBRADDIF on `bridge` (what `ip link set NAME master BRIDGE` does);
 * gr_interface_set_ipv4: SIOCSIFADDR then SIOCSIFNETMASK (`address`, dotted quad, with a `prefix`-bit mask);
 * gr_add_default_route: SIOCADDRT of 0.0.0.0/0 via `gateway` (dotted quad). */
int gr_interface_up(int fd, const char *name);
int gr_bridge_add_interface(int fd, const char *bridge, const char *name);
int gr_interface_set_ipv4(int fd, const char *name, const char *address, int prefix);
int gr_add_default_route(int fd, const char *gateway);
int gr_get_winsize(int fd, unsigned short *rows, unsigned short *cols);

/* posix_spawn into a cgroup (garrison_spawn.c): clone3(CLONE_INTO_CGROUP into the cgroup2 directory
 * `cgroup_fd`, or a plain clone3 when it is -1; plus `namespace_flags`, CLONE_NEW* flags the child is born
 * with), dup2(from[i], to[i]) for i < count, default signal dispositions and an empty mask, execve. Returns
 * the child's pid, or -1 with errno (clone3's, or the child's dup2/execve errno after reaping it). */
pid_t gr_spawn(const char *path, char *const argv[], char *const envp[], const int *from, const int *to,
               int count, int cgroup_fd, unsigned long long namespace_flags);

/* posix_spawn file actions glibc declares only under _GNU_SOURCE (glibc >= 2.34 and 2.29). */
int gr_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);
int gr_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/* wait(2) status macros. */
int gr_wifexited(int status);
int gr_wexitstatus(int status);
int gr_wifsignaled(int status);
int gr_wtermsig(int status);

/* bpf(2) for cgroup device programs (garrison_bpf.c): BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE
 * program (`count` 8-byte struct bpf_insn, verifier log into `log` when log_size > 0) returning the
 * program fd, and BPF_PROG_ATTACH of it to a cgroup2 directory fd with BPF_F_ALLOW_MULTI. */
int gr_bpf_load_cgroup_device(const void *insns, unsigned int count, char *log, unsigned int log_size);
int gr_bpf_attach_cgroup_device(int cgroup_fd, int prog_fd);

#endif
