import ArgumentParser
import GarrisonCore

/// runc options that containerd's shim, conmon and podman may pass to `create`, `run` and `exec`, accepted
/// where garrison-oci's behaviour already matches what they ask for and refused where it cannot.
struct OCIClientCompatOptions: ParsableArguments {
  /// runc creates a session keyring per container unless told not to; garrison-init never creates one, so
  /// the flag asks for what happens anyway.
  @Flag(name: .customLong("no-new-keyring"), help: "Do not create a session keyring (garrison-oci never does).")
  var noNewKeyring = false

  /// Extra descriptors (3, 4, …) to hand to the container process (podman --preserve-fds). garrison-init uses
  /// fds 3-5 for its spec, sync socket and start FIFO and closes everything above stdio before `execve`.
  @Option(name: .customLong("preserve-fds"), help: "Pass N extra descriptors (only 0 is supported).")
  var preserveFDs: Int = 0

  var values: OCIClientCompat { OCIClientCompat(noNewKeyring: noNewKeyring, preserveFDs: preserveFDs) }
}

/// The client-compatibility options as plain values (see `OCIClientCompatOptions`).
struct OCIClientCompat: Equatable {
  var noNewKeyring = false
  var preserveFDs = 0

  func validate(for verb: String) throws {
    guard preserveFDs >= 0 else { throw GarrisonError(.usage, "--preserve-fds must not be negative") }
    if preserveFDs > 0 {
      throw GarrisonError(.unenforceable, "\(verb) --preserve-fds \(preserveFDs): passing extra descriptors to the "
                            + "container is not supported by garrison-oci")
    }
  }
}
