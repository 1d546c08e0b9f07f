import GarrisonCore
import Testing
@testable import GarrisonManifest

/// Hostile YAML and JSON manifests: nesting is limited to `YAMLComposer.maxDepth` levels and aliases may not
/// expand a document beyond a size linear in it. Refusals are syntax errors (exit 2) naming `file:line:col`.
/// (How fast a refusal is belongs in bench/, not here: these check that the composer stops at the limit.)
struct HostileInputTests {
  /// `depth` nested flow sequences on one line: `[[[...]]]`.
  static func flowSequences(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }

  static func nestingErrors(_ r: LoadResult) -> [GarrisonError] { r.errors.filter { $0.message.contains("nested deeper") } }

  @Test func thousandLevelsAreAccepted() {
    let r = ManifestLoader.parse(text: Self.flowSequences(1000), file: "deep.yaml")
    #expect(Self.nestingErrors(r).isEmpty)
    #expect(r.documentCount == 1)
  }

  @Test(arguments: ["deep.yaml", "deep.json"])
  func thousandAndOneLevelsAreRefusedWithPosition(_ file: String) throws {
    let r = ManifestLoader.parse(text: Self.flowSequences(1001), file: file)
    let e = try #require(Self.nestingErrors(r).first)
    #expect(r.errors.count == 1)
    #expect(e.exitCode == 2)
    #expect(e.code == .syntax)
    // The 1,001st `[` is the collection too deep.
    #expect(e.location == SourceLocation(file: file, line: 1, column: 1001))
    #expect(e.description == "\(file):1:1001: invalid YAML: collections nested deeper than 1000 levels")
  }

  /// Block style: a mapping per line, each indented one more; the refusal names the 1,001st key's line.
  @Test func deepBlockMappingIsRefusedAtTheLimit() throws {
    var text = ""
    for i in 0..<1001 { text += String(repeating: " ", count: i) + "a:\n" }
    text += String(repeating: " ", count: 1001) + "b\n"
    let r = ManifestLoader.parse(text: "---\n" + text, file: "block.yaml")
    let e = try #require(Self.nestingErrors(r).first)
    #expect(e.location == SourceLocation(file: "block.yaml", line: 1002, column: 1001))
  }

  /// 100,000 levels: refused where the limit is crossed (the composer asks libyaml for nothing after that).
  @Test(arguments: [("[", "]"), ("{a: ", "}"), ("- ", "")])
  func hundredThousandLevelsStopAtTheLimit(_ open: String, _ close: String) throws {
    let text = String(repeating: open, count: 100_000) + "x" + String(repeating: close, count: 100_000)
    let r = ManifestLoader.parse(text: text, file: "deeper.yaml")
    let e = try #require(Self.nestingErrors(r).first)
    #expect(r.errors.count == 1)
    #expect(e.location == SourceLocation(file: "deeper.yaml", line: 1, column: 1000 * open.count + 1))
  }

  /// Nested lists of aliases ("billion laughs"): each level multiplies what a decoder walks.
  @Test func aliasExpansionIsBounded() throws {
    var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for i in 1..<10 {
      text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
    }
    let r = ManifestLoader.parse(text: text, file: "laughs.yaml")
    let e = try #require(r.errors.first { $0.message.contains("aliases expand") })
    #expect(e.exitCode == 2)
    // a3 expands to 11,111 nodes, a4 to 111,111: over the limit (100,000 + 10 per composed node).
    #expect(e.location == SourceLocation(file: "laughs.yaml", line: 5, column: 5))
  }

  /// A few aliases, as real manifests use them, are fine.
  @Test func modestAliasesAreAccepted() {
    let text = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec:
        containers:
        - &c {name: a, image: busybox}
        - *c
      """
    let r = ManifestLoader.parse(text: text, file: "alias.yaml")
    #expect(!r.errors.contains { $0.message.contains("aliases expand") })
  }
}
