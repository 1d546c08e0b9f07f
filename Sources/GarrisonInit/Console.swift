import GarrisonInitProtocol
import GarrisonKernel

/// The terminal step of the init (`process.terminal`): opens a pty in the container's own devpts instance
/// (`/dev/ptmx` after the root switch, so the host's ptys are never touched), sends the master over the
/// console socket on fd 6 with `SCM_RIGHTS` (payload: the slave's path, as runc sends a name), and makes the
/// slave the controlling terminal and stdin/stdout/stderr of the container process.
struct ConsoleSetup {
  let spec: InitSpec
  let terminal: InitSpec.Terminal

  /// Runs in the container process after the root switch (create) or the chroot into the container (exec),
  /// before credentials are dropped. `console` bind-mounts the slave on /dev/console (create only).
  func apply(mountConsole: Bool) throws(InitFailure) {
    let pty = try step("open pty via /dev/ptmx") { () throws(Errno) -> (master: Int32, slave: Int32, number: UInt32) in
      try Kernel.openPTY("/dev/ptmx")
    }
    let name = "/dev/pts/\(pty.number)"
    if let rows = terminal.rows, let cols = terminal.cols {
      try step("set console size \(cols)x\(rows)") { () throws(Errno) in
        try Kernel.setWindowSize(pty.master, rows: rows, cols: cols)
      }
    }
    // The slave belongs to the process user so programs reopening it (tty, ssh-style tools) keep working.
    try step("chown \(name) to \(spec.user.uid):\(spec.user.gid)") { () throws(Errno) in
      try Kernel.fchown(pty.slave, uid: spec.user.uid, gid: spec.user.gid)
    }
    try step("send pty master over the console socket") { () throws(Errno) in
      try Kernel.sendDescriptor(SyncProtocol.consoleFD, fd: pty.master, payload: Array(name.utf8))
    }
    Kernel.close(pty.master)
    Kernel.close(SyncProtocol.consoleFD)
    if mountConsole {
      try step("bind \(name) onto /dev/console") { () throws(Errno) in
        let fd = try Kernel.open(
          "/dev/console",
          flags: LinuxConstants.O_WRONLY | LinuxConstants.O_CREAT
            | LinuxConstants.O_CLOEXEC | LinuxConstants.O_NOFOLLOW, mode: 0o600)
        Kernel.close(fd)
        try Kernel.mount(
          source: "/proc/self/fd/\(pty.slave)", target: "/dev/console", type: nil,
          flags: LinuxConstants.MS_BIND, data: nil)
      }
    }
    try step("setsid") { () throws(Errno) in try Kernel.setsid() }
    try step("make \(name) the controlling terminal") { () throws(Errno) in
      try Kernel.setControllingTerminal(pty.slave)
    }
    for target: Int32 in 0...2 {
      try step("dup \(name) onto fd \(target)") { () throws(Errno) in try Kernel.dup2(pty.slave, target) }
    }
    Kernel.close(pty.slave)
  }
}
