import Foundation
import Testing

/// garrison-oci starts once per container operation; it must not link Foundation proper (CoreFoundation,
/// FoundationInternationalization and the ICU data come with it, and their relocations and static initialisers
/// cost every start). swift-crypto's autolink entries name Foundation, so the link alone does not enforce this.
@Suite struct StartupFootprintTests {
  static let nm = ["/usr/bin/nm", "/bin/nm"].first { FileManager.default.isExecutableFile(atPath: $0) }

  @Test(
    .enabled(
      if: StartupFootprintTests.nm != nil && FileManager.default.isExecutableFile(atPath: Harness.ociBinary),
      "needs nm (binutils) and a built garrison-oci")) func garrisonOCILinksNoFoundation() throws
  {
    let nm = try #require(Self.nm)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: nm)
    process.arguments = [Harness.ociBinary]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let symbols = String(decoding: data, as: UTF8.self).split(separator: "\n")
    #expect(!symbols.isEmpty)
    let foundation = symbols.filter { $0.contains("s10Foundation") || $0.hasSuffix(" __CFInitialize") || $0.contains("icudt") }
    #expect(foundation.isEmpty, "garrison-oci links Foundation: \(foundation.prefix(5))")
  }

  /// A dynamically linked garrison-oci spent about 3 ms of every start in the dynamic loader (mapping libstdc++,
  /// libc, libseccomp, libcap; relocating a 44 MB position-independent executable). It is a static executable:
  /// no `PT_INTERP` program header.
  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: Harness.ociBinary), "needs a built garrison-oci"))
  func garrisonOCIIsStatic() throws {
    let elf = try #require(FileManager.default.contents(atPath: Harness.ociBinary))
    #expect(elf.prefix(4) == Data([0x7f, 0x45, 0x4c, 0x46]) && elf[4] == 2, "not a 64-bit ELF file")
    func integer(_ offset: Int, _ size: Int) -> Int {
      (0..<size).reduce(0) { $0 | Int(elf[offset + $1]) << (8 * $1) }
    }
    let (phoff, phentsize, phnum) = (integer(0x20, 8), integer(0x36, 2), integer(0x38, 2))
    let types = (0..<phnum).map { integer(phoff + $0 * phentsize, 4) }
    let ptInterp = 3
    #expect(!types.isEmpty)
    #expect(!types.contains(ptInterp), "garrison-oci asks for a dynamic loader")
  }
}
