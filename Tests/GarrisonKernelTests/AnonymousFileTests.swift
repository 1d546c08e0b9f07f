import GarrisonKernel
import Glibc
import Testing

/// `AnonymousFile`: bytes come back in the order appended, across read chunks, and the file has no name in its
/// directory (nothing else can open it; nothing is left behind); bytes another writer wrote to its descriptor are read
/// back too.
struct AnonymousFileTests {
  @Test func bytesComeBackInOrderAndNothingIsNamed() throws {
    let dir = "/var/tmp/garrison-anonymous-file-\(getpid())"
    try FileIO.makeDirectories(dir, mode: 0o700)
    defer { rmdir(dir) }
    var expected: [UInt8] = []
    do {
      let file = try AnonymousFile(directory: dir)
      for k in 0..<50 {
        let piece = [UInt8](repeating: UInt8(k), count: 1000 + k * 37)
        try piece.withUnsafeBytes { try file.append($0) }
        expected += piece
      }
      #expect(file.size == Int64(expected.count))
      #expect(try FileIO.listDirectory(dir).isEmpty, "an unnamed file shows in no directory")
      var seen: [UInt8] = []
      var pieces = 0
      try file.readBack(chunk: 4096) {
        seen += $0
        pieces += 1
      }
      #expect(seen == expected)
      #expect(pieces == (expected.count + 4095) / 4096)
    }
    #expect(try FileIO.listDirectory(dir).isEmpty)
  }

  @Test func whatAnotherWriterWroteToTheDescriptorIsReadBack() throws {
    let file = try AnonymousFile()
    let bytes = [UInt8](repeating: 0x5a, count: 70_000)
    #expect(bytes.withUnsafeBytes { write(file.descriptor, $0.baseAddress, $0.count) } == 70_000)
    #expect(try file.readAll() == bytes)
  }

  @Test func aDirectoryThatCannotHoldItIsAnError() {
    #expect(throws: Errno.self) { try AnonymousFile(directory: "/var/tmp/garrison-no-such-directory-\(getpid())") }
  }
}
