/// JUnit XML for CI test reports: one `<testsuite>` per input file, one `<testcase>` per object and
/// check that produced findings (a `<failure>` when a finding reaches `--fail-on`, otherwise the
/// findings go to `<system-out>`), and one passing `<testcase>` per file when it had no findings.
public struct JUnitFormatter: Sendable {
  public var failOn: FailThreshold

  public init(failOn: FailThreshold) { self.failOn = failOn }

  static func escape(_ s: String) -> String {
    var out = ""
    for ch in s.unicodeScalars {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default:
        // XML 1.0 forbids most control characters.
        if ch.value < 0x20 && ch != "\n" && ch != "\t" && ch != "\r" { out += "?" } else { out.unicodeScalars.append(ch) }
      }
    }
    return out
  }

  public func render(_ report: LintReport) -> String {
    struct Case { var name: String; var classname: String; var findings: [Finding] }
    var files = report.files
    var casesByFile: [String: [String: Case]] = [:]
    for f in report.findings {
      let file = f.location?.file ?? "(no file)"
      if !files.contains(file) { files.append(file) }
      let obj = f.object?.description ?? "input"
      let key = obj + "\u{0}" + f.checkID
      casesByFile[file, default: [:]][key, default: Case(name: "\(f.checkID) \(obj)", classname: f.checkID, findings: [])]
        .findings.append(f)
    }
    var totalTests = 0, totalFailures = 0
    var suites = ""
    for file in files {
      let cases = (casesByFile[file] ?? [:]).values.sorted { $0.name < $1.name }
      var body = ""
      var failures = 0
      if cases.isEmpty {
        body += "    <testcase name=\"\(Self.escape(file)): no findings\" classname=\"garrison.lint\"/>\n"
      }
      for c in cases {
        body += "    <testcase name=\"\(Self.escape(c.name))\" classname=\"\(Self.escape(c.classname))\" file=\"\(Self.escape(file))\">\n"
        let text = c.findings.map { f in
          let pos = f.location.map { "\($0)" } ?? file
          return "\(pos): \(f.severity): \(f.message)" + (f.field.map { " [\($0)]" } ?? "")
        }.joined(separator: "\n")
        let worst = c.findings.map(\.severity).max() ?? .info
        if failOn.isReached(by: worst) {
          failures += 1
          let first = c.findings[0].message
          body += "      <failure message=\"\(Self.escape(first))\" type=\"\(worst.rawValue)\">\(Self.escape(text))</failure>\n"
        } else {
          body += "      <system-out>\(Self.escape(text))</system-out>\n"
        }
        body += "    </testcase>\n"
      }
      let tests = max(cases.count, 1)
      totalTests += tests
      totalFailures += failures
      suites += "  <testsuite name=\"\(Self.escape(file))\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n"
      suites += body
      suites += "  </testsuite>\n"
    }
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out += "<testsuites name=\"garrison lint\" tests=\"\(totalTests)\" failures=\"\(totalFailures)\" errors=\"0\">\n"
    out += suites
    out += "</testsuites>\n"
    return out
  }
}
