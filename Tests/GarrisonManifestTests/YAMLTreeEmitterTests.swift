import GarrisonCore
import Testing

@testable import GarrisonManifest

/// `YAMLTree` (the positioned reader for YAML files other than manifests) and `YAMLEmitter` (`get -o yaml`):
/// one YAML stack, and whatever the emitter writes reads back as the same value.
@Suite struct YAMLTreeEmitterTests {
  @Test func treeKeepsPositionsAndTypes() throws {
    let tree = try #require(try YAMLTree.parse("a: 1\nb:\n  - \"x\"\n  - yes\n  - ~\nc: {d: 0x1F, e: 1.5}\n", file: "t.yaml"))
    #expect(tree["a"]?.content == .scalar("1", .integer))
    #expect(tree["a"]?.line == 1 && tree["a"]?.column == 4)
    #expect(tree["b"]?.items?.count == 3)
    #expect(tree["b"]?.items?[0].string == "x")
    #expect(tree["b"]?.items?[1].bool == true)
    #expect(tree["b"]?.items?[2].line == 5)
    #expect(tree.jsonValue == ["a": 1, "b": ["x", true, nil], "c": ["d": 31, "e": 1.5]])
  }

  @Test func emptyStreamIsNil() throws {
    #expect(try YAMLTree.parse("", file: "t.yaml") == nil)
    #expect(try YAMLTree.parse("# only a comment\n", file: "t.yaml") == nil)
  }

  @Test(arguments: [
    ("a: [1, 2", "t.yaml:"),
    ("a: 1\n---\nb: 2\n", "t.yaml:"),
    (String(repeating: "[", count: 2000), "t.yaml:1:1001"),
  ])
  func syntaxErrorsNamePositions(text: String, position: String) {
    #expect {
      _ = try YAMLTree.parse(text, file: "t.yaml")
    } throws: { error in
      guard let e = error as? GarrisonError else { return false }
      return e.code == .syntax && "\(e)".contains(position)
    }
  }

  @Test func decodesThroughJSON() throws {
    struct Doc: Decodable, Equatable {
      var name: String
      var count: Int
      var tags: [String]
    }
    let d = try YAMLTree.decode(Doc.self, from: "name: web\ncount: 3\ntags: [a, 'b']\n", file: "t.yaml")
    #expect(d == Doc(name: "web", count: 3, tags: ["a", "b"]))
  }

  @Test func emitsKubectlLayout() {
    let value: JSONValue = [
      "apiVersion": "v1", "kind": "Pod",
      "metadata": ["name": "web", "labels": ["app": "web"]],
      "spec": ["containers": [["name": "c", "args": ["-c", "echo hi"]]], "volumes": []],
    ]
    #expect(
      YAMLEmitter.emit(value) == """
        apiVersion: v1
        kind: Pod
        metadata:
          labels:
            app: web
          name: web
        spec:
          containers:
          - args:
            - "-c"
            - echo hi
            name: c
          volumes: []

        """)
  }

  /// Strings that a careless emitter writes so that they read back as something else (or not at all).
  static let hostileStrings: [String] = [
    "", " ", "true", "no", "Off", "~", "null", "1", "0x1F", "1e3", ".inf", "-", "- x", "? x", ": x", "a: b", "a #b",
    "#x", "&a", "*a", "!tag", "|", ">", "'", "\"", "%x", "@x", "`x", "a:", "x\ny", "\t", "tab\tinside", "\u{0}nul",
    "\u{7F}", "\u{85}", "\u{2028}", "\u{FEFF}bom", "ünïcødé", "emoji 🛡", "---", "...", "[a]", "{a: b}", "a, b",
    "trailing ", "back\\slash", "-F/etc/shadow", "../../etc", "\u{1F}x", "1_000", "0o17", "+1", "-.5", "=",
  ]

  @Test func everyEmittedStringReadsBack() throws {
    for s in Self.hostileStrings {
      let value: JSONValue = .object(["key": .string(s), s: ["list": [.string(s), 1, true, nil, 2.5]]])
      let text = YAMLEmitter.emit(value)
      let back = try #require(try YAMLTree.parse(text, file: "emitted.yaml"), "\(s.debugDescription) → \(text)")
      #expect(back.jsonValue == value, "\(s.debugDescription) → \(text)")
    }
  }

  @Test func nestedSequencesAndEmptyCollections() throws {
    let value: JSONValue = ["a": [[1, 2], [], [:], ["k": [["x": "y"]]]], "b": [:], "c": .null]
    let text = YAMLEmitter.emit(value)
    #expect(try YAMLTree.parse(text, file: "t.yaml")?.jsonValue == value, "\(text)")
  }
}
