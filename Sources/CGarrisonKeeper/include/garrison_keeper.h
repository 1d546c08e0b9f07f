// The keeper's whole C surface: the libc headers garrison-keeper (an Embedded Swift executable, which cannot import
// Glibc's Swift overlay) calls through, plus glue for errno, argv, environ and the variadic fcntl.
#ifndef GARRISON_KEEPER_H
#define GARRISON_KEEPER_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/// The calling thread's errno.
int gr_keeper_errno(void);
/// The process arguments (Embedded Swift has no CommandLine): saved by an ELF constructor, which glibc calls
/// with argc, argv and envp.
int gr_keeper_argc(void);
char **gr_keeper_argv(void);
/// The process environment (for execve).
char **gr_keeper_environ(void);
/// fcntl(fd, F_GETFD): the descriptor flags, -1 if fd is not open.
int gr_keeper_fd_flags(int fd);
/// open(path, O_RDONLY | O_CLOEXEC) (open is variadic in C); the descriptor or -1.
int gr_keeper_open_read(const char *path);
/// Sets or clears FD_CLOEXEC on fd; 0 or -1.
int gr_keeper_set_cloexec(int fd, int on);

#endif
