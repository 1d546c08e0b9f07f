import GarrisonKernel
/// A system-call architecture as spelled in `architectures` and `archMap` (`SCMP_ARCH_*`), a closed vocabulary.
///
/// `SCMP_ARCH_*` are defined from `AUDIT_ARCH_*` macros Swift cannot import; ``auditArch`` recomputes them
/// from `<linux/audit.h>`: `EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000)`
/// (+ `__AUDIT_ARCH_CONVENTION_MIPS64_N32` 0x20000000). x32 shares the x86-64 audit arch in seccomp_data
/// but has its own libseccomp token (`EM_X86_64 | __AUDIT_ARCH_LE`).
public enum SeccompArch: String, Codable, Sendable, CaseIterable, Comparable {
  case x86_64 = "SCMP_ARCH_X86_64"
  case x86 = "SCMP_ARCH_X86"
  case x32 = "SCMP_ARCH_X32"
  case aarch64 = "SCMP_ARCH_AARCH64"
  case arm = "SCMP_ARCH_ARM"
  case mips = "SCMP_ARCH_MIPS"
  case mips64 = "SCMP_ARCH_MIPS64"
  case mips64n32 = "SCMP_ARCH_MIPS64N32"
  case mipsel = "SCMP_ARCH_MIPSEL"
  case mipsel64 = "SCMP_ARCH_MIPSEL64"
  case mipsel64n32 = "SCMP_ARCH_MIPSEL64N32"
  case ppc = "SCMP_ARCH_PPC"
  case ppc64 = "SCMP_ARCH_PPC64"
  case ppc64le = "SCMP_ARCH_PPC64LE"
  case s390 = "SCMP_ARCH_S390"
  case s390x = "SCMP_ARCH_S390X"
  case riscv64 = "SCMP_ARCH_RISCV64"

  private static let bit64 = LinuxConstants.AUDIT_ARCH_64BIT
  private static let littleEndian = LinuxConstants.AUDIT_ARCH_LE
  private static let mipsN32 = LinuxConstants.AUDIT_ARCH_CONVENTION_MIPS64_N32

  /// The libseccomp architecture token (equal to the kernel's `AUDIT_ARCH_*`, except x32).
  public var token: UInt32 {
    switch self {
    case .x86_64: return 62 | Self.bit64 | Self.littleEndian  // EM_X86_64
    case .x86: return 3 | Self.littleEndian  // EM_386
    case .x32: return 62 | Self.littleEndian
    case .aarch64: return 183 | Self.bit64 | Self.littleEndian  // EM_AARCH64
    case .arm: return 40 | Self.littleEndian  // EM_ARM
    case .mips: return 8  // EM_MIPS
    case .mips64: return 8 | Self.bit64
    case .mips64n32: return 8 | Self.bit64 | Self.mipsN32
    case .mipsel: return 8 | Self.littleEndian
    case .mipsel64: return 8 | Self.bit64 | Self.littleEndian
    case .mipsel64n32: return 8 | Self.bit64 | Self.littleEndian | Self.mipsN32
    case .ppc: return 20  // EM_PPC
    case .ppc64: return 21 | Self.bit64  // EM_PPC64
    case .ppc64le: return 21 | Self.bit64 | Self.littleEndian
    case .s390: return 22  // EM_S390
    case .s390x: return 22 | Self.bit64
    case .riscv64: return 243 | Self.bit64 | Self.littleEndian  // EM_RISCV
    }
  }

  /// The value the kernel puts in `seccomp_data.arch` for this ABI.
  public var auditArch: UInt32 { self == .x32 ? SeccompArch.x86_64.token : token }

  /// The short name used by `includes.arches` / `excludes.arches` (Go's GOARCH spelling).
  public var shortName: SeccompArchName {
    switch self {
    case .x86_64: return .amd64
    case .x86: return .x86
    case .x32: return .x32
    case .aarch64: return .arm64
    case .arm: return .arm
    case .mips: return .mips
    case .mips64: return .mips64
    case .mips64n32: return .mips64n32
    case .mipsel: return .mipsel
    case .mipsel64: return .mipsel64
    case .mipsel64n32: return .mipsel64n32
    case .ppc: return .ppc
    case .ppc64: return .ppc64
    case .ppc64le: return .ppc64le
    case .s390: return .s390
    case .s390x: return .s390x
    case .riscv64: return .riscv64
    }
  }

  /// The architecture this Swift program was compiled for.
  public static var native: SeccompArch {
    #if arch(x86_64)
      return .x86_64
    #elseif arch(arm64)
      return .aarch64
    #elseif arch(s390x)
      return .s390x
    #elseif arch(powerpc64le)
      return .ppc64le
    #elseif arch(riscv64)
      return .riscv64
    #else
      #error("unsupported architecture for seccomp")
    #endif
  }

  public static func < (lhs: SeccompArch, rhs: SeccompArch) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An architecture short name as used in `includes.arches` / `excludes.arches` (`amd64`, `arm64`, `s390x`, …).
public enum SeccompArchName: String, Codable, Sendable, CaseIterable, Comparable {
  case amd64, x86, x32, arm64, arm, mips, mips64, mips64n32, mipsel, mipsel64, mipsel64n32
  case ppc, ppc64, ppc64le, s390, s390x, riscv64

  public static func < (lhs: SeccompArchName, rhs: SeccompArchName) -> Bool { lhs.rawValue < rhs.rawValue }
}
