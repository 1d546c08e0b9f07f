#define _GNU_SOURCE
#include "garrison_linux.h"
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int gr_bpf_load_cgroup_device(const void *insns, unsigned int count, char *log, unsigned int log_size) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.expected_attach_type = BPF_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = count;
  attr.license = (uint64_t)(uintptr_t)"Apache-2.0";
  if (log && log_size > 0) {
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = log_size;
    attr.log_level = 1;
  }
  return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}

int gr_bpf_attach_cgroup_device(int cgroup_fd, int prog_fd) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cgroup_fd;
  attr.attach_bpf_fd = (uint32_t)prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  return (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr);
}
