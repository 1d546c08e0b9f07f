import Foundation
import GarrisonTestSupport
import Testing

/// garrison-oci starts once per container operation, garrison-supervisor stays resident once per pod and `garrison`
/// (the front end that runs `exec` itself) starts for every command; none may link Foundation proper (CoreFoundation, FoundationInternationalization and the ICU data come with it, and
/// their relocations, static initialisers and dirtied pages cost every start and every pod). swift-crypto's autolink
/// entries name Foundation, and Foundation's extensions are visible through modules that import it, so the link
/// alone does not enforce this.
@Suite struct StartupFootprintTests {
  static let nm = ["/usr/bin/nm", "/bin/nm"].first { FileManager.default.isExecutableFile(atPath: $0) }
  static let staticBinaries = ["garrison-oci", "garrison-supervisor", "garrison"]
  static var built: Bool { staticBinaries.allSatisfy { FileManager.default.isExecutableFile(atPath: BuiltProducts.path($0)) } }

  @Test(
    .enabled(
      if: StartupFootprintTests.nm != nil && StartupFootprintTests.built,
      "needs nm (binutils), a built garrison-oci, garrison-supervisor and garrison"),
    arguments: staticBinaries)
  func linksNoFoundation(binary: String) throws {
    let nm = try #require(Self.nm)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: nm)
    process.arguments = [BuiltProducts.path(binary)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let symbols = String(decoding: data, as: UTF8.self).split(separator: "\n")
    #expect(!symbols.isEmpty)
    let foundation = symbols.filter { $0.contains("s10Foundation") || $0.hasSuffix(" __CFInitialize") || $0.contains("icudt") }
    #expect(foundation.isEmpty, "\(binary) links Foundation: \(foundation.prefix(5))")
  }

  /// A dynamically linked garrison-oci spent about 3 ms of every start in the dynamic loader (mapping libstdc++,
  /// libc, libseccomp, libcap; relocating a 44 MB position-independent executable). It is a static executable:
  /// no `PT_INTERP` program header. garrison-supervisor likewise: no shared library mapped per pod; and `garrison`,
  /// whose start is most of a `garrison exec`.
  @Test(
    .enabled(if: StartupFootprintTests.built, "needs a built garrison-oci, garrison-supervisor and garrison"), arguments: staticBinaries)
  func isStatic(binary: String) throws {
    let elf = try #require(FileManager.default.contents(atPath: BuiltProducts.path(binary)))
    #expect(elf.prefix(4) == Data([0x7f, 0x45, 0x4c, 0x46]) && elf[4] == 2, "not a 64-bit ELF file")
    func integer(_ offset: Int, _ size: Int) -> Int {
      (0..<size).reduce(0) { $0 | Int(elf[offset + $1]) << (8 * $1) }
    }
    let (phoff, phentsize, phnum) = (integer(0x20, 8), integer(0x36, 2), integer(0x38, 2))
    let types = (0..<phnum).map { integer(phoff + $0 * phentsize, 4) }
    let ptInterp = 3
    #expect(!types.isEmpty)
    #expect(!types.contains(ptInterp), "\(binary) asks for a dynamic loader")
  }
}
