import Testing

@testable import GarrisonLint

/// The byte sink the text report is written through: every kind of piece lands as written, across growth of its
/// memory, and collected bytes are handed on unchanged.
@Suite struct ByteSinkTests {
  @Test func piecesAcrossGrowth() {
    // Start small and write far more than the initial capacity (a long non-ASCII message, a long literal run).
    let long = String(repeating: "é→x", count: 500)
    let bytes = ByteSink.collect(capacity: 1) { out in
      out.appendLiteral("  ")
      out.append(UInt8(ascii: "a"))
      out.append("small")
      out.append(long)
      out.append([1, 2, 3] as [UInt8])
      out.append(repeating: UInt8(ascii: " "), count: 300)
      out.append(repeating: UInt8(ascii: "z"), count: 0)
      out.append("")
      out.removeLast(100)
    }
    var expected = Array("  asmall".utf8) + Array(long.utf8) + [1, 2, 3]
    expected += [UInt8](repeating: UInt8(ascii: " "), count: 200)
    #expect(bytes.count == expected.count)
    #expect(bytes.withBytes { Array($0) } == expected)
  }

  @Test func ownedCopyOfAString() {
    #expect(OwnedBytes("").isEmpty)
    let text = "{\n  \"a\": \"é\"\n}"
    #expect(OwnedBytes(text).withBytes { Array($0) } == Array(text.utf8))
  }

  @Test func concatenationEqualsInterpolation() {
    let name = "app-ünïcode", n: Int64 = 5
    #expect(Words.concat() == "")
    #expect(Words.concat("container \"", name, "\" runs with UID ", String(n)) == "container \"\(name)\" runs with UID \(n)")
    #expect(Words.container(name) == "container \"\(name)\"")
    let long = String(repeating: "x", count: 100)
    #expect(Words.concat(long, "", long) == long + long)
  }
}
