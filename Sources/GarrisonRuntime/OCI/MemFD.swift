import CGarrisonLinux
import Glibc

/// Creates an anonymous close-on-exec memfd (`memfd_create`), returning -1 on failure.
func gr_memfd_create_shim(name: String = "garrison", sealable: Bool = false) -> Int32 {
  gr_memfd_create(name, 1 | (sealable ? 2 : 0))
}
