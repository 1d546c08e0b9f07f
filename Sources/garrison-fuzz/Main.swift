#if canImport(Glibc)
  import Glibc
#endif

// garrison-fuzz: every fuzz harness in one executable (the target is named by GARRISON_FUZZ_TARGET).
//
// Built with `-sanitize=fuzzer,address -D FUZZING` (scripts/fuzz.sh) it is a libFuzzer binary: libFuzzer's
// `main` calls `LLVMFuzzerInitialize` once and `LLVMFuzzerTestOneInput` per input. In the normal build it is
// a replayer, `garrison-fuzz TARGET FILE|DIR...`, which runs each file through the same harness once; the test
// suite replays the checked-in corpus and regression inputs with it (GarrisonFuzzTests).

#if FUZZING
  /// Picks the target from `GARRISON_FUZZ_TARGET` and sets it up (single-threaded: libFuzzer starts its
  /// threads after this returns).
  @_cdecl("LLVMFuzzerInitialize")
  public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
  ) -> CInt {
    var arguments: [String] = []
    if let list = argv.pointee {
      for i in 0..<Int(argc.pointee) { if let a = list[i] { arguments.append(String(cString: a)) } }
    }
    FuzzDriver.artifactPrefix = arguments.last { $0.hasPrefix("-artifact_prefix=") }.map { String($0.dropFirst(17)) }
    let name = getenv("GARRISON_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTargets.named(name) else {
      FuzzDriver.die("set GARRISON_FUZZ_TARGET to one of: \(FuzzTargets.names.joined(separator: " "))")
    }
    FuzzDriver.selected = target
    target.setUp()
    return 0
  }

  /// One input. A harness reports a finding by trapping (libFuzzer saves the input as a crash artifact).
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let target = FuzzDriver.selected else { return 0 }
    _ = target.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
  }

  /// libFuzzer's driver (compiler-rt's FuzzerDriver.cpp): parses the flags, calls `LLVMFuzzerInitialize`, fuzzes.
  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
  ) -> CInt

  /// The entry point. SwiftPM links an executable module with `main` defined as `garrison_fuzz_main` (the
  /// entry-point name it gives the module so tests can link it), which keeps libFuzzer's own `main` out, so
  /// this entry runs libFuzzer's driver itself.
  @_cdecl("garrison_fuzz_main")
  public func garrisonFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzerTestOneInput(data, size) }
  }
#else
  /// The replayer of the normal build.
  @main
  enum GarrisonFuzzMain {
    static func main() {
      exit(FuzzDriver.replay(Array(CommandLine.arguments.dropFirst())))
    }
  }
#endif
