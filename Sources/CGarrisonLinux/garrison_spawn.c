#define _GNU_SOURCE
#include "garrison_linux.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* posix_spawn with a cgroup: glibc 2.36 has no posix_spawnattr_setcgroup_np, so this is clone3(2) with
 * CLONE_INTO_CGROUP (Linux 5.7+). The child is a copy of a multithreaded process: it only makes
 * async-signal-safe system calls (signal dispositions, dup2, execve, write, _exit); no Swift runs in it. */
pid_t gr_spawn(const char *path, char *const argv[], char *const envp[], const int *from, const int *to,
               int count, int cgroup_fd) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return -1;
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved); /* no handler may run in the child before the reset */
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) {
    args.flags = CLONE_INTO_CGROUP;
    args.cgroup = (uint64_t)cgroup_fd;
  }
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) {
    close(report[0]);
    for (int sig = 1; sig < _NSIG; sig++) {
      if (sig == SIGKILL || sig == SIGSTOP) continue;
      struct sigaction dfl;
      memset(&dfl, 0, sizeof dfl);
      dfl.sa_handler = SIG_DFL;
      sigaction(sig, &dfl, NULL); /* EINVAL for glibc's reserved signals: ignored */
    }
    int err = 0;
    for (int i = 0; i < count && err == 0; i++) {
      if (dup2(from[i], to[i]) < 0) err = errno;
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (err == 0) {
      execve(path, argv, envp);
      err = errno;
    }
    (void)!write(report[1], &err, sizeof err);
    _exit(127);
  }
  int saved_errno = errno;
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
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
