import Glibc
import GarrisonKernel

/// Work done ahead of use on a second thread, while the calling thread reads config.json: detecting the host's
/// cgroup layout (parsing /proc/self/mountinfo and friends, and the Swift runtime's first use of the types
/// involved) and making the sealed handle on garrison-init. Both results are cached behind locks
/// (`OCICgroups`' detected layout, `SealedInitCache`), so whichever thread gets there first does the work and
/// the other waits for it or finds it done. A failure here is not reported: the same call on the calling
/// thread runs again and throws its own error.
enum WarmUp {
  static func start(_ runtime: OCIRuntime) {
    let cgroups = runtime.cgroups
    let launcher = runtime.launcher
    DetachedThread.start {
      cgroups.warmUp()
      launcher.warmUp()
    }
  }
}
