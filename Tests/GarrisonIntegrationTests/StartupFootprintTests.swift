import Foundation
import Testing

/// garrison-oci starts once per container operation; it must not link Foundation proper (CoreFoundation,
/// FoundationInternationalization and the ICU data come with it, and their relocations and static initialisers
/// cost every start). swift-crypto's autolink entries name Foundation, so the link alone does not enforce this.
@Suite struct StartupFootprintTests {
  @Test func garrisonOCILinksNoFoundation() throws {
    let nm = ["/usr/bin/nm", "/bin/nm"].first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let nm, FileManager.default.isExecutableFile(atPath: Harness.ociBinary) else {
      print("SKIP: nm or \(Harness.ociBinary) missing")
      return
    }
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
}
