import Foundation
import GarrisonCore
import GarrisonManifest
import Testing

@testable import GarrisonLint

/// `garrison lint` a file at a time (`LintStream`) writes byte for byte the report of the whole run
/// (`LintEngine.lint`, then the format's `write`): files in any order, given twice, Namespace labels in other
/// files and directories, annotation exemptions, parse errors and missing files; SARIF's results set aside until
/// the end.
@Suite struct LintStreamTests {
  /// A scratch directory of manifests, removed by `remove()`.
  struct Tree {
    let root: String
    init(_ files: [String: String]) throws {
      root = NSTemporaryDirectory() + "garrison-lintstream-\(UUID().uuidString)"
      for (name, text) in files {
        let path = root + "/" + name
        try FileManager.default.createDirectory(
          atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
      }
    }
    func remove() { try? FileManager.default.removeItem(atPath: root) }
  }

  static let tree: [String: String] = [
    "ns.yaml": """
    apiVersion: v1
    kind: Namespace
    metadata:
      name: apps
      labels: {pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/enforce-version: v1.25}
    ---
    apiVersion: v1
    kind: Namespace
    metadata:
      name: bad
      labels: {pod-security.kubernetes.io/enforce: strictest}
    """,
    // An escaped kind: the first pass must still read this file.
    "sub/escaped.yaml": """
    apiVersion: v1
    kind: "Names\\x70ace"
    metadata: {name: esc, labels: {pod-security.kubernetes.io/enforce: privileged}}
    """,
    "sub/pods.yaml": """
    apiVersion: v1
    kind: Pod
    metadata: {name: a, namespace: apps}
    spec:
      shareProcessNamespace: true
      containers: [{name: c, image: nginx, securityContext: {privileged: true}}]
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: b, namespace: esc, annotations: {garrison.io/ignore: "pss.hostNamespaces, hardening.imageTag"}}
    spec:
      hostPID: true
      containers: [{name: c, image: nginx}]
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: c, namespace: bad}
    spec:
      containers: [{name: c, image: nginx}, {name: c, image: nginx}]
    """,
    "a-first.yaml": """
    apiVersion: v1
    kind: Pod
    metadata: {name: z, annotations: {garrison.io/ignore: pss.runAsNonRoot, garrison.io/ignore-reason: test}}
    spec:
      containers: [{name: c, image: "busybox:1"}]
    """,
    "broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: [x}\n",
    "list.yaml": "apiVersion: v1\nkind: List\nfoo: bar\nitems: []\n",
  ]

  /// The report of the whole run, and the streamed one, in `format`.
  static func both(_ paths: [String], format: OutputFormat, options: LintOptions = LintOptions()) throws -> (String, String) {
    let catalog = try Support.catalog()
    let engine = LintEngine(catalog: catalog, options: options)
    let inputs = ManifestLoader.inputs(paths: paths, keepJSON: false)
    let files = inputs.map(\.name)
    let report = engine.lint(ManifestLoader.load(inputs, keepJSON: false), files: files)
    var whole = ""
    try format.write(report, catalog: catalog, failOn: .error, color: false) { whole += $0 }
    var streamed = ""
    let stream = try #require(LintStream.format(format, catalog: catalog, color: false, options: options))
    let outcome = try LintStream(engine: engine).run(inputs: inputs, files: files, format: stream) { streamed += $0 }
    #expect(outcome.report.exitCode(failOn: .error) == report.exitCode(failOn: .error))
    #expect(outcome.report.exitCode(failOn: .info) == report.exitCode(failOn: .info))
    return (whole, streamed)
  }

  @Test(arguments: [OutputFormat.text, .json, .sarif])
  func streamedEqualsWhole(format: OutputFormat) throws {
    let t = try Tree(Self.tree)
    defer { t.remove() }
    let r = t.root
    let runs: [[String]] = [
      [r],
      [r + "/sub/pods.yaml", r + "/ns.yaml", r + "/sub", r + "/a-first.yaml"],
      [r + "/sub/pods.yaml", r + "/sub/pods.yaml", r + "/missing.yaml", r + "/broken.yaml"],
      [r + "/list.yaml", r + "/sub/pods.yaml"],
      [Support.fixtures, r],
    ]
    for paths in runs {
      let (whole, streamed) = try Self.both(paths, format: format)
      #expect(streamed == whole, "\(paths)")
      #expect(whole.contains("sub/pods.yaml"))
    }
    var explicit = LintOptions()
    explicit.level = .baseline
    explicit.levelIsExplicit = true
    explicit.namespaceLabels = false
    let (whole, streamed) = try Self.both([r], format: format, options: explicit)
    #expect(streamed == whole)
  }

  /// A run that reads nothing writes nothing (the command then says so).
  @Test func nothingReadWritesNothing() throws {
    let t = try Tree(["empty/.keep": ""])
    defer { t.remove() }
    let catalog = try Support.catalog()
    let inputs = ManifestLoader.inputs(paths: [t.root + "/empty"], keepJSON: false)
    var written = ""
    let outcome = try LintStream(engine: LintEngine(catalog: catalog, options: LintOptions())).run(
      inputs: inputs, files: [], format: .json
    ) { written += $0 }
    #expect(!outcome.readAnything)
    #expect(written.isEmpty)
  }

  /// Runs whose findings are only known at the end are not streamed.
  @Test func whatCannotStream() throws {
    let catalog = try Support.catalog()
    #expect(LintStream.format(.junit, catalog: catalog, color: false, options: LintOptions()) == nil)
    var options = LintOptions()
    options.exemptions = [
      ConfigExemption(
        index: 0, checks: ["*"], namespaces: [], names: [], images: [], reason: "r",
        location: SourceLocation(file: "c.yaml", line: 1, column: 1))
    ]
    #expect(LintStream.format(.text, catalog: catalog, color: false, options: options) == nil)
  }

  /// SARIF with many results in many files (more than a window of groups, and the formatter's window of results),
  /// with and without input errors and suppressed results: the streamed document is the whole run's, valid JSON
  /// whose invocation comes before the results, whether its results wait in a temporary file or in memory.
  @Test func sarifWithManyResults() throws {
    var files: [String: String] = [:]
    for f in 0..<12 {
      files[String(format: "f%02d.yaml", f)] = (0..<40).map { i in
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: p\(i), annotations: {garrison.io/ignore: hardening.imageTag}}
        spec:
          hostNetwork: true
          containers: [{name: c, image: nginx, securityContext: {privileged: true}}]
        """
      }.joined(separator: "\n---\n")
    }
    let t = try Tree(files)
    defer { t.remove() }
    let (whole, streamed) = try Self.both([t.root], format: .sarif)
    #expect(streamed == whole)
    let log = try #require(try JSONSerialization.jsonObject(with: Data(whole.utf8)) as? [String: Any])
    let run = try #require((log["runs"] as? [[String: Any]])?.first)
    let results = try #require(run["results"] as? [[String: Any]])
    #expect(results.count > SARIFFormatter.window)
    #expect(results.contains { $0["suppressions"] != nil })
    #expect((run["invocations"] as? [[String: Any]])?.first?["executionSuccessful"] as? Bool == true)
    let invocation = try #require(whole.range(of: "\"executionSuccessful\""))
    let firstResult = try #require(whole.range(of: "\"ruleId\""))
    #expect(invocation.lowerBound < firstResult.lowerBound)

    // An input error: the invocation, written first, says so.
    try "apiVersion: v1\nkind: Pod\nmetadata: {name: [x}\n".write(toFile: t.root + "/zz-broken.yaml", atomically: true, encoding: .utf8)
    let (wholeBroken, streamedBroken) = try Self.both([t.root], format: .sarif)
    #expect(streamedBroken == wholeBroken)
    #expect(wholeBroken.contains("\"executionSuccessful\" : false"))
  }

  /// The spill keeps its bytes in order, in a temporary file or in memory.
  @Test(arguments: [false, true])
  func spillKeepsOrder(inMemory: Bool) throws {
    let spill = SpillFile(inMemory: inMemory)
    #expect(spill.isEmpty)
    var expected: [UInt8] = []
    for i in 0..<3000 {
      let piece = String(repeating: String(i % 10), count: i % 997) + "\n"
      expected += Array(piece.utf8)
      try spill.append(OwnedBytes(piece))
    }
    #expect(!spill.isEmpty)
    var read: [UInt8] = []
    try spill.drain { read += $0 }
    #expect(read == expected)
  }

  /// The first pass's filter: a file that spells `Namespace` as a word, or has an escape, may hold one.
  @Test(arguments: [
    ("kind: Namespace\n", true), ("kind: \"Namespace\"", true), ("{\"kind\":\"Namespace\"}", true), ("kind: >-\n  Namespace\n", true),
    ("kind: !!str Namespace", true), ("kind: \"Names\\x70ace\"", true), ("Namespace", true),
    ("kind: Pod\nshareProcessNamespace: true\n", false),
    ("kind: Namespaces", false), ("pattern: \"^\\d+\\.\\\"$\"\nkind: Pod", false), ("kind: \"Names\\\npace\"", true),
    ("kind: Pod\nnamespace: x\n", false), ("kind: NamespaceList", false), ("", false),
  ])
  func namespaceFilter(text: String, may: Bool) {
    let bytes = Array(text.utf8)
    #expect(bytes.withUnsafeBufferPointer { ManifestInput.mayHold(kind: "Namespace", $0) } == may)
  }

  /// The first pass also needs the pod-security label's bytes (or an escape) in the file.
  @Test func labelFilter() {
    let key = NamespacePolicies.levelLabel
    for (text, may) in [
      ("labels: {pod-security.kubernetes.io/enforce-version: v1.30}", true), ("\"pod-security.kubernetes.io/enforce\": x", true),
      ("labels: {\"pod-security.kubernetes.io/\\x65nforce\": x}", true), ("description: the Namespace of the pod", false),
      ("pod-security.kubernetes.io/warn: baseline", false), ("pod-security.kubernetes.io/enforc", false),
    ] {
      let bytes = Array(text.utf8)
      #expect(bytes.withUnsafeBufferPointer { ManifestInput.mayContain(key, $0) } == may, "\(text)")
    }
  }
}
