import GarrisonKernel

/// The receiver ends of the `WakeSocket`s of the supervisors one `apply` started, by pod directory: each
/// supervisor sends a byte after every status it writes, so `awaitSupervisor` and `waitRunning` poll these
/// instead of watching the pods' directories with inotify. A pod without one (already there, or the socket
/// could not be made) is waited for as before. Closed with the holder.
public final class PodWakes {
  private(set) var receivers: [String: Int32] = [:]

  public init() {}

  deinit {
    for fd in receivers.values { Kernel.close(fd) }
  }

  /// The receiver for the pod at `directory`, if this apply started its supervisor.
  public subscript(directory: String) -> Int32? { receivers[directory] }

  func add(_ directory: String, _ fd: Int32) {
    if let old = receivers[directory] { Kernel.close(old) }
    receivers[directory] = fd
  }

  /// Closes and forgets the receiver of `directory` (its supervisor is gone: end of file).
  func drop(_ directory: String) {
    if let fd = receivers.removeValue(forKey: directory) { Kernel.close(fd) }
  }
}
