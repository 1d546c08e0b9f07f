#include "garrison_keeper.h"

extern char **environ;

static int saved_argc;
static char **saved_argv;

__attribute__((constructor)) static void gr_keeper_save_arguments(int argc, char **argv, char **envp) {
  (void)envp;
  saved_argc = argc;
  saved_argv = argv;
}

int gr_keeper_argc(void) { return saved_argc; }

char **gr_keeper_argv(void) { return saved_argv; }

int gr_keeper_errno(void) { return errno; }

char **gr_keeper_environ(void) { return environ; }

int gr_keeper_open_read(const char *path) { return open(path, O_RDONLY | O_CLOEXEC); }

int gr_keeper_fd_flags(int fd) { return fcntl(fd, F_GETFD); }

int gr_keeper_set_cloexec(int fd, int on) {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return -1;
  return fcntl(fd, F_SETFD, on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC));
}
