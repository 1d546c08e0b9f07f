import GarrisonCore
import Testing

@testable import GarrisonAudit

@Suite struct AuditKindTests {
  @Test func kindsAreClosed() throws {
    #expect(try AuditKind(parsing: "seccomp.denied") == .seccompDenied)
    #expect(throws: GarrisonError.self) { try AuditKind(parsing: "pod.exploded") }
  }
}

@Suite struct FrameTests {
  @Test func crc32MatchesZlib() {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(CRC32.checksum([]) == 0)
    #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    // Every length 0..<40 agrees with the bytewise definition.
    let data = (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    for n in 0..<40 {
      var c: UInt32 = 0xFFFF_FFFF
      for b in data[0..<n] {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
      }
      #expect(CRC32.checksum(Array(data[0..<n])) == c ^ 0xFFFF_FFFF)
    }
  }

  @Test func frameRoundTripsAndRejectsDamage() {
    let body = Array(#"{"a":1}"#.utf8)
    let line = RecordFrame.frame(body)
    #expect(
      String(decoding: line, as: UTF8.self)
        == "{\"crc32\":\"\(String(CRC32.checksum(body), radix: 16).leftPadded(8))\",\"len\":7,\"record\":{\"a\":1}}\n")
    let content = Array(line.dropLast())
    #expect(content.withUnsafeBufferPointer { RecordFrame.unframe($0) } == .success(37..<44))
    var bad = content
    bad[40] = UInt8(ascii: "2")
    #expect(bad.withUnsafeBufferPointer { RecordFrame.unframe($0) } == .failure(.checksumMismatch))
    #expect(
      Array(content.dropLast(2)).withUnsafeBufferPointer { RecordFrame.unframe($0) } == .failure(.lengthMismatch(declared: 7, available: 5))
    )
  }
}

extension String {
  func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
