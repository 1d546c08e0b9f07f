import ArgumentParser
import GarrisonCore
import GarrisonInitProtocol
import Glibc

/// runc options that containerd's shim, conmon and podman may pass to `create`, `run` and `exec`, accepted
/// where garrison-oci's behaviour already matches what they ask for and refused where it cannot.
struct OCIClientCompatOptions: ParsableArguments {
  /// runc creates a session keyring per container unless told not to; garrison-init never creates one, so
  /// the flag asks for what happens anyway.
  @Flag(name: .customLong("no-new-keyring"), help: "Do not create a session keyring (garrison-oci never does).")
  var noNewKeyring = false

  /// Extra descriptors (3, 4, …) to hand to the container process (podman --preserve-fds), after the
  /// socket-activation ones of `$LISTEN_FDS` (create and run), as runc counts them.
  @Option(name: .customLong("preserve-fds"), help: "Pass N extra descriptors (3…) to the container process, after $LISTEN_FDS.")
  var preserveFDs: Int = 0

  var values: OCIClientCompat { OCIClientCompat(noNewKeyring: noNewKeyring, preserveFDs: preserveFDs) }
}

/// The client-compatibility options as plain values (see `OCIClientCompatOptions`).
struct OCIClientCompat: Equatable {
  var noNewKeyring = false
  var preserveFDs = 0

  /// The descriptors the process inherits beyond stdio: `total` from 3 on, of which the first `listen` are
  /// socket-activation descriptors (`$LISTEN_FDS`, taken only when `$LISTEN_PID` is this process, as
  /// sd_listen_fds does, and only for `create`/`run`). Each must be open.
  func inheritedDescriptors(for verb: String, socketActivation: Bool) throws -> (total: Int, listen: Int) {
    guard preserveFDs >= 0 else { throw GarrisonError(.usage, "--preserve-fds must not be negative") }
    var listen = 0
    if socketActivation, let n = Environment.value("LISTEN_FDS").flatMap({ Int($0) }), n > 0,
      Environment.value("LISTEN_PID").flatMap({ Int32($0) }) == getpid()
    {
      listen = n
    }
    let total = listen + preserveFDs
    guard total <= InitArguments.maxPreservedFDs else {
      throw GarrisonError(.usage, "\(verb): \(total) descriptors to pass; at most \(InitArguments.maxPreservedFDs)")
    }
    for fd in 3..<(3 + Int32(total)) where fcntl(fd, F_GETFD) < 0 {
      let what = fd < 3 + Int32(listen) ? "LISTEN_FDS=\(listen)" : "--preserve-fds \(preserveFDs)"
      throw GarrisonError(.usage, "\(verb) \(what): descriptor \(fd) is not open")
    }
    return (total, listen)
  }
}
