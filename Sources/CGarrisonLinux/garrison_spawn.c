#define _GNU_SOURCE
#include "garrison_linux.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* posix_spawn with a cgroup: glibc 2.36 has no posix_spawnattr_setcgroup_np, so this is clone3(2) with
 * CLONE_INTO_CGROUP (Linux 5.7+). The child is a copy of a multithreaded process: it only makes
 * async-signal-safe system calls (signal dispositions, dup2, execve, _exit); no Swift runs in it.
 *
 * On x86_64 the child shares the parent's memory and the parent sleeps until it has exec'd or exited
 * (CLONE_VM | CLONE_VFORK, as glibc's posix_spawn): no page tables are copied, the parent takes no
 * copy-on-write faults afterwards, and the exec failure comes back through memory. The child runs on its own
 * stack, entered through the small assembly trampoline below (a raw clone3 cannot return into C on a new
 * stack). Elsewhere it is a plain fork-style clone3 that reports an exec failure through a pipe. */

struct spawn_request {
  const char *path;
  char *const *argv;
  char *const *envp;
  const int *from;
  const int *to;
  int count;
  volatile int error; /* the child's errno when its exec failed (shared-memory path) */
};

/* The child: the normal scheduling policy instead of an inherited real-time one (as SpawnAttributes does for
 * posix_spawn: an operator's `chrt` never reaches a container), default dispositions, the dup2s, an empty signal
 * mask, execve. Returns only on failure. */
static int spawn_child(void *raw) {
  struct spawn_request *r = raw;
  int policy = sched_getscheduler(0) & ~SCHED_RESET_ON_FORK;
  if (policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE) {
    struct sched_param normal = {0};
    if (sched_setscheduler(0, SCHED_OTHER, &normal) != 0) return errno;
  }
  for (int sig = 1; sig < _NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL); /* EINVAL for glibc's reserved signals: ignored */
  }
  int err = 0;
  for (int i = 0; i < r->count && err == 0; i++) {
    if (dup2(r->from[i], r->to[i]) < 0) err = errno;
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (err == 0) {
    execve(r->path, r->argv, r->envp);
    err = errno;
  }
  return err;
}

#if defined(__x86_64__)
/* long gr_clone3_call(struct clone_args *args, size_t size, int (*fn)(void *), void *arg)
 * The parent returns the child's pid (or -errno). The child, on the stack named in args, calls fn(arg) and
 * exits with its result through the exit system call (it never returns into C frames it does not own).
 * Registers survive the syscall except rax, rcx and r11: fn stays in rdx, arg is kept in r8. */
long gr_clone3_call(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".globl gr_clone3_call\n"
        ".type gr_clone3_call,@function\n"
        "gr_clone3_call:\n"
        "  mov %rcx, %r8\n"
        "  mov $435, %eax\n" /* __NR_clone3 */
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jz 1f\n"
        "  ret\n"
        "1:\n"
        "  xor %ebp, %ebp\n"
        "  and $-16, %rsp\n"
        "  mov %r8, %rdi\n"
        "  call *%rdx\n"
        "  mov %eax, %edi\n"
        "  mov $60, %eax\n" /* __NR_exit */
        "  syscall\n"
        "  hlt\n"
        ".size gr_clone3_call, .-gr_clone3_call\n");

/* The shared-memory child's body: record the exec errno in the parent's memory. */
static int spawn_child_shared(void *raw) {
  struct spawn_request *r = raw;
  r->error = spawn_child(raw);
  return 127;
}

/* The shared-memory spawn. Returns the pid, or -1 with errno (clone3's own, or the child's exec errno). */
static pid_t spawn_shared(struct spawn_request *r, struct clone_args *args) {
  const size_t stack_size = 64 * 1024;
  void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  args->flags |= CLONE_VM | CLONE_VFORK;
  args->stack = (uint64_t)(uintptr_t)stack;
  args->stack_size = stack_size;
  r->error = 0;
  long pid = gr_clone3_call(args, sizeof *args, spawn_child_shared, r);
  /* Here the child has exec'd or exited: it no longer uses the stack. */
  munmap(stack, stack_size);
  if (pid < 0) {
    errno = (int)-pid;
    return -1;
  }
  if (r->error != 0) { /* the child has exited: reap it, report its errno */
    int err = r->error;
    while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR) {}
    errno = err;
    return -1;
  }
  return (pid_t)pid;
}

#endif

/* The fork-style spawn: the child reports an exec failure through a close-on-exec pipe. */
static pid_t spawn_forked(struct spawn_request *r, struct clone_args *args) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return -1;
  long pid = syscall(SYS_clone3, args, sizeof *args);
  if (pid == 0) {
    close(report[0]);
    int err = spawn_child(r);
    (void)!write(report[1], &err, sizeof err);
    _exit(127);
  }
  int saved_errno = errno;
  close(report[1]);
  if (pid < 0) {
    close(report[0]);
    errno = saved_errno;
    return -1;
  }
  int child_err = 0;
  ssize_t n;
  do { n = read(report[0], &child_err, sizeof child_err); } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == (ssize_t)sizeof child_err) { /* the exec failed: reap the child, report its errno */
    while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR) {}
    errno = child_err;
    return -1;
  }
  return (pid_t)pid;
}

pid_t gr_spawn(const char *path, char *const argv[], char *const envp[], const int *from, const int *to,
               int count, int cgroup_fd, unsigned long long namespace_flags) {
  struct spawn_request r = {path, argv, envp, from, to, count, 0};
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  args.flags = namespace_flags;
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = (uint64_t)cgroup_fd;
  }
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved); /* no handler may run in the child before the reset */
#if defined(__x86_64__)
  pid_t pid = spawn_shared(&r, &args);
  (void)spawn_forked;
#else
  pid_t pid = spawn_forked(&r, &args);
#endif
  int saved_errno = errno;
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  errno = saved_errno;
  return pid;
}
