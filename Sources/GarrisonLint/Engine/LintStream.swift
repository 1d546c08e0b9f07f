import Foundation
import GarrisonCore
import GarrisonManifest

/// `garrison lint` a file at a time, so memory stays flat as the input grows: a first pass finds the Namespace
/// objects (parsing only the files that can hold one with a pod-security label), then the files are parsed, checked and their findings
/// formatted in parallel windows, and written in report order (findings sort by file name first, so files are
/// taken in name order). The output is byte for byte what `LintEngine.lint` and the format's `write` give.
///
/// SARIF's invocation (`executionSuccessful`: whether the input held errors) precedes the results, so its results are
/// set aside in an unlinked temporary file (`SpillFile`) and written after the document's head at the end.
/// Runs whose findings are only known at the end cannot stream: config exemptions (their unused-exemption
/// findings sort among the files), JUnit, `--effective`.
public struct LintStream: Sendable {
  public var engine: LintEngine

  public init(engine: LintEngine) {
    self.engine = engine
  }

  /// A report format written a file at a time.
  public enum Format: Sendable {
    case text(TextFormatter)
    case json
    /// SARIF, with each rule's index in the driver's rules.
    case sarif(SARIFFormatter, ruleIndex: [String: Int])
  }

  /// Whether a run with these options can be streamed in `format` (`nil`: it cannot).
  public static func format(_ format: OutputFormat, catalog: RuleCatalog, color: Bool, options: LintOptions) -> Format? {
    guard options.exemptions.isEmpty else { return nil }
    switch format {
    case .text: return .text(TextFormatter(catalog: catalog, color: color))
    case .json: return .json
    case .sarif:
      let formatter = SARIFFormatter(catalog: catalog)
      return .sarif(formatter, ruleIndex: formatter.ruleIndex())
    case .junit: return nil
    }
  }

  /// What a streamed run read and found.
  public struct Outcome: Sendable {
    /// The report without its findings (they were written): counts, suppressed findings, objects, files.
    public var report: LintReport
    /// Whether any object was read (checked or of a kind lint does not model).
    public var readObjects: Bool
    /// Whether the input held anything at all (objects or errors); without, nothing was written.
    public var readAnything: Bool
  }

  /// Files taken together per window (each file's objects and findings are held until its window is written).
  static var window: Int { max(2, 2 * ProcessInfo.processInfo.activeProcessorCount) }

  /// The input size (bytes of manifest text) from which files are linted on every core; below it everything runs on
  /// the calling thread and no worker starts. A second core's worker is not free: at 1,000 generated pods (364 KB)
  /// the two threads' CPU time summed was 0.067 ms per pod against 0.049 on one CPU (quiet machine), for a wall time
  /// of 36 against 53 ms. At 10,000 pods (3.6 MB) the quiet machine's parallel run used 0.046 ms per pod, and
  /// halves the wall time; on a shared machine the extra CPU there was 3-15 %. 1 MiB (about 2,700 such pods) is a
  /// judgment: small inputs, where a run takes tens of milliseconds, keep their CPU; larger ones gain the wall time.
  static let parallelFrom = 1 << 20

  /// Lints `inputs` and hands the report to `sink` in pieces, in order. `files` are the report's file names.
  /// Nothing is written when the input holds neither objects nor errors (the caller reports that).
  public func run(inputs: [ManifestInput], files: [String], format: Format, to sink: (String) -> Void) throws -> Outcome {
    try run(inputs: inputs, files: files, format: format, bytes: { sink(String(decoding: $0, as: UTF8.self)) })
  }

  /// `run(inputs:files:format:to:)`, handing `sink` each piece as UTF-8 bytes, valid only during the call (a
  /// command writes them as they are: no string is made of the report's text, and one buffer is reused for every
  /// window).
  public func run(
    inputs: [ManifestInput], files: [String], format: Format, bytes sink: (UnsafeRawBufferPointer) -> Void
  ) throws -> Outcome {
    let (namespaces, inputBytes) = Self.namespaces(inputs)
    let parallel = inputBytes >= Self.parallelFrom
    let namespaceFindings = Dictionary(grouping: namespaces.findings) { $0.location?.file ?? "" }
    let groups = Self.groups(inputs)
    let table = LintEngine.CheckTable(options: engine.options, catalog: engine.catalog)

    var counts: [Severity: Int] = [:]
    var suppressed: [(key: SuppressedKey, finding: SuppressedFinding)] = []
    var objectCount = 0
    var byLabel = 0
    var hasInputErrors = false
    var readObjects = false
    var readAnything = false
    var wroteHead = false
    var wroteFindings = false
    // Text not yet written: until the input holds something, nothing is (a run that finds nothing writes nothing).
    // Each group's bytes are written as they are, not first copied into one buffer per window.
    var pending: [OwnedBytes] = []
    let separator = OwnedBytes(",\n")
    // SARIF's results, until the head (which says whether the input held errors) is written.
    let spill: SpillFile?
    if case .sarif = format { spill = SpillFile() } else { spill = nil }
    func flush(_ bytes: OwnedBytes) { bytes.withBytes { sink(UnsafeRawBufferPointer($0)) } }
    func flush(_ text: String) {
      var text = text
      text.withUTF8 { sink(UnsafeRawBufferPointer($0)) }
    }
    for start in stride(from: 0, to: groups.count, by: Self.window) {
      let window = Array(groups[start..<min(start + Self.window, groups.count)])
      let results = Parallel.map(window, parallel: parallel) { group in
        lint(
          group, inputs: inputs, namespaces: namespaces, namespaceFindings: namespaceFindings, table: table, format: format,
          parallel: parallel)
      }
      for r in results {
        for (s, n) in r.counts { counts[s, default: 0] += n }
        suppressed += r.suppressed
        objectCount += r.objectCount
        byLabel += r.byNamespaceLabel
        hasInputErrors = hasInputErrors || r.hasInputErrors
        readObjects = readObjects || r.readObjects
        readAnything = readAnything || r.readAnything
        guard !r.text.isEmpty else { continue }
        if let spill {
          if wroteFindings { try spill.append(separator) }
          try spill.append(r.text)
          wroteFindings = true
          continue
        }
        if case .json = format, wroteFindings { pending.append(separator) }
        pending.append(r.text)
        wroteFindings = true
      }
      guard readAnything, spill == nil else { continue }
      if !wroteHead {
        if case .json = format { flush(JSONFormatter.head) }
        wroteHead = true
      }
      for text in pending { flush(text) }
      pending.removeAll(keepingCapacity: true)
    }
    var report = LintReport(
      counts: counts, suppressed: suppressed.sorted { $0.key < $1.key }.map(\.finding), objectCount: objectCount, files: files,
      policy: PSSPolicy(level: engine.options.level, version: engine.options.version), hasInputErrors: hasInputErrors)
    report.objectsByNamespaceLabel = byLabel
    let outcome = Outcome(report: report, readObjects: readObjects, readAnything: readAnything)
    guard readAnything else { return outcome }
    switch format {
    case .text(let formatter):
      flush(formatter.tail(report))
    case .json:
      if !wroteHead { flush(JSONFormatter.head) }
      var w = JSONStreamWriter(depth: 2)
      try JSONFormatter().tail(report, &w)
      flush(w.take() + "\n")
    case .sarif(let formatter, let index):
      flush(try formatter.head(hasInputErrors: hasInputErrors, policy: report.policy))
      if let spill { try spill.drain(sink) }
      var w = JSONStreamWriter(depth: SARIFFormatter.resultDepth)
      try formatter.tail(suppressed: report.suppressed, index: index, afterResults: wroteFindings, &w, to: flush)
    }
    return outcome
  }

  /// The first pass: the policies the Namespace objects of the input set, from the files that can hold one, and
  /// the input's size in bytes. Objects are taken as `LintEngine.lint` takes them: every valid one in input order,
  /// then every partial one. Files are read on the calling thread until `parallelFrom` bytes are, the rest on every
  /// core.
  static func namespaces(_ inputs: [ManifestInput]) -> (NamespacePolicies, bytes: Int) {
    typealias Found = (objects: [ManifestObject], partial: [ManifestObject], bytes: Int)
    let found = Parallel.map(inputs, serialUntil: Self.parallelFrom, weight: \.bytes) { input -> Found in
      // A Namespace sets a policy, or is reported, only with a pod-security label (`enforce` is a prefix of
      // `enforce-version`).
      var bytes = 0
      guard let load = input.load(keepJSON: false, ifItMayHold: "Namespace", with: NamespacePolicies.levelLabel, size: &bytes)
      else {
        return ([], [], bytes)
      }
      return (load.objects.filter { $0.kind == "Namespace" }, load.partial.filter { $0.kind == "Namespace" }, bytes)
    }
    return (NamespacePolicies(objects: found.flatMap(\.objects) + found.flatMap(\.partial)), found.reduce(0) { $0 + $1.bytes })
  }

  /// The inputs in report order: by file name, inputs of the same name (a file given twice) together, in input
  /// order.
  static func groups(_ inputs: [ManifestInput]) -> [[Int]] {
    let names = inputs.map(\.name)
    let order = names.indices.sorted { a, b in names[a] < names[b] || (!(names[b] < names[a]) && a < b) }
    var groups: [[Int]] = []
    for i in order {
      if let last = groups.last?.last, names[last] == names[i] {
        groups[groups.count - 1].append(i)
      } else {
        groups.append([i])
      }
    }
    return groups
  }

  /// Where a suppressed finding goes in the report's list: as `LintEngine.lint` checks objects (every valid
  /// object in input order, then every partial one), then in the order found.
  struct SuppressedKey: Comparable, Sendable {
    var partial: Bool
    var input: Int
    var object: Int
    var sequence: Int
    static func < (a: Self, b: Self) -> Bool {
      (a.partial ? 1 : 0, a.input, a.object, a.sequence) < (b.partial ? 1 : 0, b.input, b.object, b.sequence)
    }
  }

  /// One group's result: its findings formatted, and what the report counts.
  struct GroupResult: Sendable {
    /// The findings' text, UTF-8.
    var text: OwnedBytes
    var counts: [Severity: Int]
    var suppressed: [(key: SuppressedKey, finding: SuppressedFinding)]
    var objectCount: Int
    var byNamespaceLabel: Int
    var hasInputErrors: Bool
    var readObjects: Bool
    var readAnything: Bool
  }

  /// Reads, checks and formats one group of inputs (one file, or a file given more than once), its findings in
  /// report order.
  func lint(
    _ group: [Int], inputs: [ManifestInput], namespaces: NamespacePolicies, namespaceFindings: [String: [Finding]],
    table: LintEngine.CheckTable, format: Format, parallel: Bool
  ) -> GroupResult {
    var load = LoadResult()
    // For each object of `load.objects + load.partial`: its input and its index among that input's objects.
    var objectKeys: [(partial: Bool, input: Int, object: Int)] = []
    var partialKeys: [(partial: Bool, input: Int, object: Int)] = []
    for i in group {
      let one = inputs[i].load(keepJSON: false)
      objectKeys += one.objects.indices.map { (false, i, $0) }
      partialKeys += one.partial.indices.map { (true, i, $0) }
      load.merge(one)
    }
    objectKeys += partialKeys
    let objects = load.partial.isEmpty ? load.objects : load.objects + load.partial
    var findings = engine.inputFindings(load) + (namespaceFindings[inputs[group[0]].name] ?? [])
    for i in findings.indices where findings[i].remediation == nil {
      findings[i].remediation = engine.catalog[findings[i].checkID]?.remediation
    }
    let plan = LintEngine.CheckPlan(
      objects: objects, namespaces: namespaces, options: engine.options, catalog: engine.catalog, table: table)
    // A large file's objects are checked in parallel batches, as `LintEngine.lint` checks a whole run's.
    let batchSize = 64
    let batches = stride(from: 0, to: objects.count, by: batchSize).map { $0..<min($0 + batchSize, objects.count) }
    let checked =
      batches.count > 2 && parallel
      ? Parallel.map(batches) { engine.checkObjects(objects, $0, plan: plan) }
      : [engine.checkObjects(objects, 0..<objects.count, plan: plan)]
    // Usually the objects' findings are the file's: taken as they are, not copied.
    let taken = findings.isEmpty && checked.count == 1
    if taken { findings = checked[0].kept }
    var suppressed: [(key: SuppressedKey, finding: SuppressedFinding)] = []
    for c in checked {
      if !taken { findings += c.kept }
      for (s, o) in zip(c.suppressed, c.suppressedObjects) {
        let k = objectKeys[o]
        suppressed.append((SuppressedKey(partial: k.partial, input: k.input, object: k.object, sequence: suppressed.count), s))
      }
    }
    findings = Finding.sorted(findings)
    var counts: [Severity: Int] = [:]
    // Read in place: a `for f in findings` loop copies each finding out.
    findings.withUnsafeBufferPointer { b in
      for i in b.indices { counts[b[i].severity, default: 0] += 1 }
    }
    let text: OwnedBytes
    switch format {
    case .text(let formatter): text = formatter.fileGroup(findings)
    case .json: text = OwnedBytes(JSONFormatter.elements(findings))
    case .sarif(let formatter, let index): text = OwnedBytes(formatter.elements(findings, index: index))
    }
    return GroupResult(
      text: text, counts: counts, suppressed: suppressed, objectCount: objects.count, byNamespaceLabel: plan.byNamespaceLabel,
      hasInputErrors: !load.documentErrors.isEmpty, readObjects: !objects.isEmpty || !load.skipped.isEmpty,
      readAnything: !objects.isEmpty || !load.errors.isEmpty || !load.skipped.isEmpty)
  }
}
