import Testing
@testable import GarrisonManifest

/// Quantity parsing, checked against values Kubernetes' ParseQuantity produces.
struct QuantityTests {
  @Test(
    arguments: [
      ("500m", 1, 500), ("0.5", 1, 500), ("2", 2, 2000), ("128Mi", 134_217_728, 134_217_728_000),
      ("1G", 1_000_000_000, 1_000_000_000_000), ("129e6", 129_000_000, 129_000_000_000),
      ("1.5Gi", 1_610_612_736, 1_610_612_736_000), ("100m", 1, 100), ("1.G", 1_000_000_000, 1_000_000_000_000),
      ("0", 0, 0), ("-1", -1, -1000), ("1k", 1000, 1_000_000), ("1Ki", 1024, 1_024_000), ("1E", 1_000_000_000_000_000_000, Int64.max),
      ("1n", 1, 1), ("1u", 1, 1), ("+5", 5, 5000), ("1e3", 1000, 1_000_000), ("1E3", 1000, 1_000_000),
      ("0.0001m", 1, 1), ("12e-3", 1, 12), ("+", 0, 0), ("1e100", Int64.max, Int64.max),
      // Kubernetes quirk: an empty number before a valid suffix is zero.
      ("Mi", 0, 0),
    ] as [(String, Int64, Int64)])
  func parses(text: String, value: Int64, milli: Int64) throws {
    let q = try Quantity(parsing: text)
    #expect(q.value == value)
    #expect(q.milliValue == milli)
  }

  @Test(arguments: [
    "", "1Mib", "1K", "1e", "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", " 1", "1 ", "1ki", "1e+",
  ])
  func rejects(text: String) {
    #expect(throws: Quantity.ParseError.self) { try Quantity(parsing: text) }
  }

  /// Found by fuzzing (Fuzz/regressions/quantity/huge-exponent): `9223372031e87547807` made BigInt compute
  /// 10^87547816 (a hang). Exponents that far out are clamped or rounded up to one nano unit without it, the
  /// same results as computing them exactly.
  @Test(
    arguments: [
      ("9223372031e87547807", Int64.max, Int64.max), ("1e2147483647", Int64.max, Int64.max),
      ("-1e2147483647", -Int64.max, Int64.min), ("0e2147483647", 0, 0), ("1e-2147483648", 1, 1),
      ("-1e-2147483648", 0, 0), ("1e19", Int64.max, Int64.max), ("1e-28", 1, 1),
      ("12e-29", 1, 1),
    ] as [(String, Int64, Int64)])
  func hugeExponentsAreDecidedWithoutComputingThem(text: String, value: Int64, milli: Int64) throws {
    let q = try Quantity(parsing: text)
    #expect(q.value == value)
    #expect(q.milliValue == milli)
  }

  @Test func equalityIsByValue() throws {
    #expect(try Quantity(parsing: "1Gi") == Quantity(parsing: "1073741824"))
    #expect(try Quantity(parsing: "500m") < Quantity(parsing: "1"))
  }
}
