import CSeccomp

/// libseccomp's own arch-name lookup, to cross-check the Swift constants.
func seccompArchResolve(_ name: String) -> UInt32 { seccomp_arch_resolve_name(name) }
