// swift-tools-version:6.0
// Garrison: a security-policy enforcement runtime for Kubernetes pods.
import PackageDescription

/// The container init runs inside a rootfs, so it is linked fully static. garrison-init links only the Swift
/// standard library (its spec is binary, `InitSpecWire`: no Foundation).
/// Release builds are stripped: every container start executes it, so its size is start-up latency.
let staticInit: [LinkerSetting] = [
  .unsafeFlags(["-static-executable"]),
  .unsafeFlags(["-Xlinker", "--strip-all"], .when(configuration: .release)),
]

/// garrison-oci starts once per container operation (several times per container under containerd or podman),
/// so it is a static executable too: no dynamic loader, no relocation of a position-independent 44 MB binary,
/// no mapping of libc, libstdc++, libseccomp and libcap at every start (4.2 ms to fail `state` dynamically linked,
/// 1.2 ms static, on this machine; `StartupFootprintTests` checks there is no `PT_INTERP`). It never calls NSS:
/// the one passwd lookup (`~user` in a path) reads /etc/passwd itself (`PasswdFile`).
///
/// Foundation proper is deliberately not linked: it brings CoreFoundation, FoundationInternationalization and
/// 34 MB of ICU data, whose relocations and static initialisers (__CFInitialize, ICU calendars) cost every start.
/// The modules garrison-oci links import FoundationEssentials only. Keep it that way: swift-crypto imports
/// Foundation, so its autolink entries would quietly pull libFoundation.a (and ICU) back in for any
/// Foundation-only API used there (check with `nm garrison-oci | grep -c s10Foundation`, which must print 0).
/// `--no-export-dynamic` keeps ~10,000 of its own symbols out of a dynamic symbol table nobody reads.
let staticRuntime: [LinkerSetting] = [
  .unsafeFlags([
    "-static-executable", "-lFoundationEssentials", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization", "-Xlinker",
    "--no-export-dynamic",
  ])
]

/// garrison-supervisor links like garrison-oci; in release builds gold places the function sections a supervisor runs
/// first (`hot-sections.txt`, written by scripts/supervisor-layout.sh from a profiled pod start), so the code it touches
/// shares 64 KB fault-around blocks instead of making most of the binary's text resident (bench/pods RESULTS.md).
let staticSupervisor: [LinkerSetting] =
  staticRuntime + [
    .unsafeFlags(
      ["-use-ld=gold", "-Xlinker", "--section-ordering-file=\(Context.packageDirectory)/Sources/garrison-supervisor/hot-sections.txt"],
      .when(configuration: .release))
  ]

/// garrison-exporter (what `garrison metrics serve` execs) runs for as long as the node does, so its resident memory
/// is the cost: a static, non-PIE executable maps no shared library and dirties no relocated page, so only the pages
/// it touches are resident (bench/metrics RESULTS.md: 18.8 MB RSS at 100 containers against 36.6 MB for the
/// dynamically linked `garrison` serving the same scrapes; PSS is the other way round, 18.8 against 8.2 MB, since the
/// dynamic `garrison` shares its binary and libraries with the pod supervisors). Unlike garrison-oci it links
/// Foundation proper (GarrisonPods' state files are decoded with it), so CoreFoundation and ICU are named here; their
/// code is only resident where it runs (the exporter formats no dates).
let staticExporter: [LinkerSetting] = [
  .unsafeFlags([
    "-static-executable", "-lFoundation", "-lCoreFoundation", "-lFoundationInternationalization", "-l_FoundationICU",
    "-lFoundationEssentials", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization",
    "-lswiftDispatch", "-ldispatch", "-lBlocksRuntime", "-lstdc++", "-lm", "-Xlinker", "--no-export-dynamic",
  ])
]

/// `garrison-cli`, the full CLI, is a static executable in release builds, like the exporter (Foundation, ICU and
/// the C libraries included; no dynamic loader, no relocation of a position-independent 150 MB binary): every
/// `garrison get` or `apply` starts it, and with `-static-stdlib` alone (the C libraries shared, PIE) its start took
/// 10.5 ms of CPU against 5.8 ms static (`get pods`, bench/pods RESULTS.md). Garrison's code calls no NSS function
/// (an image's user names come from its own /etc/passwd), which static glibc would resolve through the shared
/// libnss libraries of the host at run time. Debug builds stay dynamic: the test bundles link the `garrison`
/// modules too. Foundation's static archive does not name CoreFoundation and ICU for the linker, so they are named
/// here (as for the exporter).
let staticSwiftLibraries: [LinkerSetting] = [
  .unsafeFlags(
    [
      "-static-executable", "-lFoundation", "-lCoreFoundation", "-lFoundationInternationalization", "-l_FoundationICU",
      "-lFoundationEssentials", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization",
      "-lswiftDispatch", "-ldispatch", "-lBlocksRuntime", "-lstdc++", "-lm", "-Xlinker", "--no-export-dynamic",
    ], .when(configuration: .release))
]

/// Release builds of the modules garrison-supervisor links emit one section per function, so its link can lay out
/// the code a supervisor runs together (`staticSupervisor`): the kernel maps an executable's text in 64 KB
/// fault-around blocks, and code spread over the whole binary makes nearly every block resident (bench/pods RESULTS.md).
let functionSections: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-function-sections"], .when(configuration: .release))]

/// garrison-keeper is what stays of a pod's supervisor while the pod is quiescent: garrison-supervisor `execve`s it
/// (same pid) and it execs garrison-supervisor back on the next event. Its resident memory is the per-pod cost, so it
/// is Embedded Swift (no standard library runtime, no Foundation: ~0.6 MB peak RSS against ~7 MB for the smallest
/// standard-Swift supervisor, bench/pods RESULTS.md), compiled whole-module, linked static with the embedded
/// Unicode tables. Embedded modules cannot import standard-Swift ones (not even Glibc's overlay), so it calls libc
/// through its own header module, CGarrisonKeeper, and shares no code with the worker but its command line.
let embeddedKeeper: [SwiftSetting] = [.enableExperimentalFeature("Embedded"), .unsafeFlags(["-wmo"])]
let staticKeeper: [LinkerSetting] = [
  .unsafeFlags([
    "-Xclang-linker", "-static", "-L/opt/swift/usr/lib/swift/embedded/x86_64-unknown-linux-gnu", "-lswiftUnicodeDataTables", "-lm",
  ]),
  .unsafeFlags(["-Xlinker", "--strip-all"], .when(configuration: .release)),
]

let package = Package(
  name: "Garrison",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "garrison", targets: ["garrison"]),
    .executable(name: "garrison-cli", targets: ["garrison-cli"]),
    .executable(name: "garrison-oci", targets: ["garrison-oci"]),
    .executable(name: "garrison-init", targets: ["garrison-init"]),
    .executable(name: "garrison-exporter", targets: ["garrison-exporter"]),
    .executable(name: "garrison-supervisor", targets: ["garrison-supervisor"]),
    .executable(name: "garrison-keeper", targets: ["garrison-keeper"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/attaswift/BigInt", from: "6.0.0"),
    // The admission webhook's HTTPS server (`garrison admission serve`).
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
  ],
  targets: [
    // System libraries (pkg-config) and the one C shim.
    .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
    .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
    .systemLibrary(name: "CAppArmor", pkgConfig: "libapparmor", providers: [.apt(["libapparmor-dev"])]),
    .systemLibrary(name: "CSELinux", pkgConfig: "libselinux", providers: [.apt(["libselinux1-dev"])]),
    .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
    .target(name: "CGarrisonLinux"),
    // The keeper's libc headers and a few lines of glue (errno, argv, environ, fcntl): Embedded Swift imports no Glibc.
    .target(name: "CGarrisonKeeper"),

    // Pure layers: core types, manifest model, plan, compiler.
    .target(name: "GarrisonCore", swiftSettings: functionSections),
    .target(name: "GarrisonManifest", dependencies: ["GarrisonCore", "GarrisonPlan", "CLibYAML", "BigInt"]),
    .target(name: "GarrisonPlan", dependencies: ["GarrisonCore"], swiftSettings: functionSections),
    .target(name: "GarrisonOCI", dependencies: ["GarrisonCore"], swiftSettings: functionSections),
    .target(
      name: "GarrisonSeccomp",
      dependencies: [
        "GarrisonCore", "GarrisonPlan", "GarrisonKernel", "CSeccomp",
        .product(name: "Crypto", package: "swift-crypto"),
      ], swiftSettings: functionSections),
    // The host's LSMs through their libraries, Foundation-free (garrison-oci links it): the one host-LSM probe
    // (`HostLSM`, aa_is_enabled + is_selinux_enabled) and libselinux. libapparmor is wrapped in GarrisonKernel,
    // which the static garrison-init links (aa_change_onexec).
    .target(name: "GarrisonLSMHost", dependencies: ["GarrisonCore", "GarrisonKernel", "CSELinux"], swiftSettings: functionSections),
    .target(
      name: "GarrisonLSM",
      dependencies: [
        "GarrisonCore", "GarrisonPlan", "GarrisonKernel", "GarrisonLSMHost",
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(
      name: "GarrisonCompiler",
      dependencies: [
        "GarrisonCore", "GarrisonManifest", "GarrisonPlan", "GarrisonOCI",
        "GarrisonSeccomp", "GarrisonLSM", "GarrisonLSMHost",
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(name: "GarrisonLint", dependencies: ["GarrisonCore", "GarrisonManifest", "GarrisonPlan", "GarrisonCompiler"]),
    .target(
      name: "GarrisonAudit",
      dependencies: ["GarrisonCore", "GarrisonKernel", "GarrisonSeccomp", .product(name: "Crypto", package: "swift-crypto")],
      swiftSettings: functionSections),
    .target(
      name: "GarrisonAdmission",
      dependencies: [
        "GarrisonCore", "GarrisonManifest", "GarrisonLint",
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ]),

    // The metrics exporter (`garrison metrics serve`) and `top`: cgroup, /proc and audit readings as Prometheus families.
    .target(
      name: "GarrisonMetrics",
      dependencies: [
        "GarrisonCore", "GarrisonKernel", "GarrisonCgroups", "GarrisonPods", "GarrisonAudit", "GarrisonPlan",
        "GarrisonManifest", "GarrisonLint",
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ]),

    // Kernel side: syscall wrappers and the synchronous init.
    .target(
      name: "GarrisonKernel", dependencies: ["GarrisonCore", "CGarrisonLinux", "CCap", "CAppArmor"], swiftSettings: functionSections),
    // The runtime↔init contract: InitSpec, its wire form, the sync-socket messages both ways, the fixed fds and
    // hook execution (the same code runs in the runtime and in the init). The runtime imports this, not the init.
    .target(name: "GarrisonInitProtocol", dependencies: ["GarrisonCore", "GarrisonKernel"]),
    .target(name: "GarrisonInit", dependencies: ["GarrisonCore", "GarrisonKernel", "GarrisonInitProtocol"]),
    .target(name: "GarrisonCgroups", dependencies: ["GarrisonCore", "GarrisonKernel", "CGarrisonLinux"], swiftSettings: functionSections),
    .systemLibrary(name: "CXattr"),
    .target(
      name: "GarrisonImages", dependencies: ["GarrisonCore", "GarrisonKernel", "CXattr", .product(name: "Crypto", package: "swift-crypto")]),
    .target(
      name: "GarrisonRuntime",
      dependencies: [
        "GarrisonCore", "GarrisonOCI", "GarrisonKernel", "GarrisonInitProtocol",
        "GarrisonCgroups", "GarrisonSeccomp", "GarrisonLSMHost", "GarrisonAudit", "CSeccomp", "CGarrisonLinux",
      ]),

    // The per-pod supervisor (what `apply` starts, one per pod): sandbox, volumes, container starts through the
    // OCI runtime, reaping, restarts, probes, logs, status.json, audit. Its modules import FoundationEssentials at
    // most, so garrison-supervisor links like garrison-oci (static, no Foundation proper, no ICU).
    .target(
      name: "GarrisonSupervisor",
      dependencies: [
        "GarrisonCore", "GarrisonKernel", "GarrisonPlan", "GarrisonOCI", "GarrisonAudit", "GarrisonSeccomp", "GarrisonLSMHost",
        "GarrisonCgroups",
      ], swiftSettings: functionSections),
    // `garrison exec` and the `garrison` front end (FoundationEssentials only, like the supervisor): the pod's
    // record and audit log, the runtime's exec in process, and the hand-over of every other command to garrison-cli.
    .target(
      name: "GarrisonExec",
      dependencies: [
        "GarrisonCore", "GarrisonKernel", "GarrisonPlan", "GarrisonOCI", "GarrisonAudit", "GarrisonRuntime", "GarrisonSupervisor",
        "GarrisonLSMHost",
      ]),
    .target(
      name: "GarrisonPods",
      dependencies: [
        "GarrisonCore", "GarrisonManifest", "GarrisonCompiler", "GarrisonLSM", "GarrisonLSMHost",
        "GarrisonOCI", "GarrisonImages", "GarrisonAudit",
        "GarrisonKernel", "GarrisonRuntime", "GarrisonSupervisor",
      ]),

    // Commands and thin executables.
    // garrison-oci links only what the runtime needs: a small binary starts faster (fewer conformance records
    // for the Swift runtime to scan, fewer pages to fault in), and it starts once per container operation.
    .target(
      name: "GarrisonOCICommands",
      dependencies: [
        "GarrisonCore", "GarrisonOCI", "GarrisonPlan", "GarrisonAudit", "GarrisonRuntime", "GarrisonKernel", "GarrisonInitProtocol",
        "GarrisonLSMHost", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .target(
      name: "GarrisonCommands",
      dependencies: [
        "GarrisonCore", "GarrisonManifest", "GarrisonPlan", "GarrisonCompiler", "GarrisonLint",
        "GarrisonAudit", "GarrisonPods", "GarrisonImages", "GarrisonLSM", "GarrisonLSMHost",
        "GarrisonAdmission", "GarrisonSeccomp", "GarrisonKernel", "GarrisonMetrics", "GarrisonExec",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // `garrison` is a static front end: it runs `exec` itself (its start is most of an exec's latency) and execs
    // `garrison-cli`, the full CLI, for every other command (bench/exec RESULTS.md).
    .executableTarget(name: "garrison", dependencies: ["GarrisonExec"], linkerSettings: staticRuntime),
    .executableTarget(
      name: "garrison-cli", dependencies: ["GarrisonCommands", "GarrisonOCICommands"], linkerSettings: staticSwiftLibraries),
    .executableTarget(name: "garrison-oci", dependencies: ["GarrisonOCICommands"], linkerSettings: staticRuntime),
    .executableTarget(name: "garrison-init", dependencies: ["GarrisonInit"], linkerSettings: staticInit),
    // The pod supervisor runs for as long as its pod does, one per pod: its resident memory is the cost (static,
    // FoundationEssentials only, as garrison-oci; bench/pods RESULTS.md).
    .executableTarget(
      name: "garrison-supervisor", dependencies: ["GarrisonSupervisor"], exclude: ["hot-sections.txt"], linkerSettings: staticSupervisor),
    .executableTarget(
      name: "garrison-keeper", dependencies: ["CGarrisonKeeper"], swiftSettings: embeddedKeeper, linkerSettings: staticKeeper),
    .executableTarget(name: "garrison-exporter", dependencies: ["GarrisonMetrics"], linkerSettings: staticExporter),

    // Fuzzing: every harness in one executable, a libFuzzer binary when built by scripts/fuzz.sh
    // (`-sanitize=fuzzer,address -D FUZZING`, in .build-fuzz) and a corpus replayer otherwise. One binary
    // means one instrumented link per fuzz build instead of one per target. `-parse-as-library`: no top-level
    // code; the entry is `@main` (the replayer) or, in a fuzz build, `garrison_fuzz_main` running libFuzzer's driver.
    .executableTarget(
      name: "garrison-fuzz",
      dependencies: ["GarrisonCore", "GarrisonManifest", "GarrisonOCI", "GarrisonInitProtocol", "GarrisonAudit", "GarrisonImages"],
      swiftSettings: [.unsafeFlags(["-parse-as-library"])]),

    // Tests: one target per module plus integration tests (root, real containers), sharing one support target:
    // the process runner, scratch directories, the built-products locator and JSON Schema validation.
    .target(
      name: "GarrisonTestSupport", dependencies: ["GarrisonCore", "GarrisonSeccomp", "GarrisonOCI", "GarrisonRuntime", "GarrisonLSMHost"],
      path: "Tests/GarrisonTestSupport"),
    .testTarget(name: "GarrisonCoreTests", dependencies: ["GarrisonCore"]),
    .testTarget(name: "GarrisonOCITests", dependencies: ["GarrisonTestSupport", "GarrisonOCI", "GarrisonRuntime"]),
    .testTarget(name: "GarrisonManifestTests", dependencies: ["GarrisonManifest"]),
    .testTarget(
      name: "GarrisonCompilerTests",
      dependencies: ["GarrisonTestSupport", "GarrisonCompiler", "GarrisonManifest", "GarrisonPlan", "GarrisonOCI", "GarrisonLSMHost"],
      resources: [.copy("Golden")]),
    .testTarget(name: "GarrisonSeccompTests", dependencies: ["GarrisonTestSupport", "GarrisonSeccomp"]),
    .testTarget(
      name: "GarrisonLintTests", dependencies: ["GarrisonTestSupport", "GarrisonLint", "GarrisonManifest"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "GarrisonAuditTests", dependencies: ["GarrisonTestSupport", "GarrisonAudit", "GarrisonKernel", "GarrisonSeccomp"]),
    .testTarget(
      name: "GarrisonAdmissionTests", dependencies: ["GarrisonTestSupport", "GarrisonAdmission", "GarrisonLint", "GarrisonAudit"]),
    .testTarget(name: "GarrisonLSMTests", dependencies: ["GarrisonTestSupport", "GarrisonLSM", "GarrisonLSMHost", "GarrisonPlan"]),
    .testTarget(name: "GarrisonCgroupsTests", dependencies: ["GarrisonCgroups", "GarrisonKernel"]),
    .testTarget(name: "GarrisonMetricsTests", dependencies: ["GarrisonMetrics", "GarrisonCgroups", "GarrisonKernel"]),
    .testTarget(name: "GarrisonImagesTests", dependencies: ["GarrisonTestSupport", "GarrisonImages", "GarrisonKernel"]),
    // The static `garrison` front end is not a dependency of a test bundle (its -static-executable would be the
    // bundle's link too); `swift build --build-tests` builds it as every product.
    .testTarget(
      name: "GarrisonPodsTests",
      dependencies: [
        "GarrisonTestSupport", "GarrisonPods", "GarrisonSupervisor", "GarrisonKernel", "GarrisonManifest", "GarrisonOCI", "GarrisonAudit",
        "GarrisonLSM", "GarrisonCompiler", "GarrisonPlan", "GarrisonLSMHost", "garrison-cli",
      ],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "GarrisonOCICommandsTests",
      dependencies: [
        "GarrisonOCICommands",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(name: "GarrisonFuzzTests", dependencies: ["GarrisonTestSupport", "garrison-fuzz"]),
    // Unit tests of the init, the kernel door and the runtime: no root, no containers.
    .testTarget(name: "GarrisonInitTests", dependencies: ["GarrisonInit", "GarrisonInitProtocol", "GarrisonKernel", "GarrisonCore"]),
    .testTarget(name: "GarrisonKernelTests", dependencies: ["GarrisonKernel"]),
    .testTarget(
      name: "GarrisonRuntimeTests",
      dependencies: [
        "GarrisonTestSupport", "GarrisonRuntime", "GarrisonInitProtocol", "GarrisonOCI", "GarrisonKernel", "GarrisonCore",
      ]),
    .testTarget(
      name: "GarrisonIntegrationTests",
      dependencies: [
        "GarrisonTestSupport", "GarrisonCore", "GarrisonOCI", "GarrisonRuntime", "GarrisonInit", "GarrisonInitProtocol", "GarrisonKernel",
        "GarrisonLSMHost",
      ]),
  ]
)
