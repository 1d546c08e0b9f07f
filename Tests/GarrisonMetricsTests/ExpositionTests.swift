import GarrisonCgroups
import GarrisonKernel
import GarrisonMetrics
import Testing

/// The exposition encoder: HELP/TYPE lines, escaping of hostile label values, both formats, content negotiation.
struct ExpositionTests {
  static func text(_ f: [MetricFamily], _ format: ExpositionFormat = .prometheus) -> String {
    String(decoding: Exposition.encode(f, format: format), as: UTF8.self)
  }

  @Test func prometheusTextHasHelpTypeAndSamples() {
    var c = MetricFamily("container_cpu_usage_seconds_total", .counter, "Cumulative cpu time consumed in seconds.")
    c.add([("container", "app"), ("pod", "web")], 1.5)
    var g = MetricFamily("container_memory_working_set_bytes", .gauge, "Current working set in bytes.")
    g.add([("container", "app")], 1_048_576)
    let empty = MetricFamily("container_threads", .gauge, "unused")
    #expect(
      Self.text([c, g, empty]) == """
        # HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.
        # TYPE container_cpu_usage_seconds_total counter
        container_cpu_usage_seconds_total{container="app",pod="web"} 1.5
        # HELP container_memory_working_set_bytes Current working set in bytes.
        # TYPE container_memory_working_set_bytes gauge
        container_memory_working_set_bytes{container="app"} 1048576

        """)
  }

  @Test(arguments: [
    ("plain", "plain"),
    ("back\\slash", "back\\\\slash"),
    ("a \"quoted\" name", "a \\\"quoted\\\" name"),
    ("line\nbreak", "line\\nbreak"),
    ("\\\"\n", "\\\\\\\"\\n"),
    ("ünïcode ☃", "ünïcode ☃"),
  ])
  func hostileLabelValuesAreEscaped(value: String, escaped: String) {
    var f = MetricFamily("kube_pod_status_phase", .gauge, "help")
    f.add([("pod", value)], 1)
    let line = Self.text([f]).split(separator: "\n")[2]
    #expect(line == "kube_pod_status_phase{pod=\"\(escaped)\"} 1")
  }

  @Test func helpTextEscapesBackslashAndNewline() {
    var f = MetricFamily("m", .gauge, "a\\b\nc \"q\"")
    f.add([], 0)
    #expect(Self.text([f]).hasPrefix("# HELP m a\\\\b\\nc \"q\"\n"))
    #expect(Self.text([f], .openMetrics).hasPrefix("# HELP m a\\\\b\\nc \\\"q\\\"\n"))
  }

  @Test func openMetricsNamesCountersWithoutTotalAndEndsWithEOF() {
    var c = MetricFamily("garrison_seccomp_denials_total", .counter, "Denied calls.")
    c.add([("syscall", "unshare")], 3)
    var failcnt = MetricFamily("container_memory_failcnt", .counter, "hits")
    failcnt.add([], 2)
    #expect(
      Self.text([c, failcnt], .openMetrics) == """
        # HELP garrison_seccomp_denials Denied calls.
        # TYPE garrison_seccomp_denials counter
        garrison_seccomp_denials_total{syscall="unshare"} 3
        # HELP container_memory_failcnt hits
        # TYPE container_memory_failcnt unknown
        container_memory_failcnt 2
        # EOF

        """)
    #expect(Self.text([], .openMetrics) == "# EOF\n")
    #expect(!Self.text([c]).contains("# EOF"))
  }

  @Test func histogramIsCumulativeWithInfSumAndCount() {
    var h = MetricFamily("garrison_x_seconds", .histogram, "h")
    h.addHistogram([("a", "b")], bounds: [0.001, 0.01], counts: [2, 1, 4], sum: 0.5)
    let lines = Self.text([h]).split(separator: "\n").dropFirst(2)
    #expect(
      Array(lines) == [
        "garrison_x_seconds_bucket{a=\"b\",le=\"0.001\"} 2", "garrison_x_seconds_bucket{a=\"b\",le=\"0.01\"} 3",
        "garrison_x_seconds_bucket{a=\"b\",le=\"+Inf\"} 7", "garrison_x_seconds_sum{a=\"b\"} 0.5", "garrison_x_seconds_count{a=\"b\"} 7",
      ])
  }

  @Test func numbersAreSpelledAsBothFormatsParseThem() {
    #expect(Exposition.number(3) == "3")
    #expect(Exposition.number(0.25) == "0.25")
    #expect(Exposition.number(.infinity) == "+Inf")
    #expect(Exposition.number(-.infinity) == "-Inf")
    #expect(Exposition.number(.nan) == "NaN")
    #expect(Exposition.number(1e20) == "1e+20")
  }

  static let acceptCases: [(String?, ExpositionFormat)] = [
    (nil, .prometheus),
    ("text/plain;version=0.0.4", .prometheus),
    ("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1", .openMetrics),
    ("application/openmetrics-text; q=0", .prometheus),
    ("*/*", .prometheus),
  ]

  @Test(arguments: acceptCases)
  func acceptHeaderChoosesTheFormat(accept: String?, format: ExpositionFormat) {
    #expect(ExpositionFormat.negotiate(accept: accept) == format)
  }
}

/// Working set, shares and kubectl's spelling of amounts.
struct ResourceFormulaTests {
  @Test func workingSetIsUsageMinusInactiveFile() {
    #expect(CgroupStats.workingSet(usage: 100 << 20, stat: ["inactive_file": 30 << 20, "active_file": 5], v2: true) == 70 << 20)
    #expect(CgroupStats.workingSet(usage: 100 << 20, stat: ["total_inactive_file": 40 << 20, "inactive_file": 1], v2: false) == 60 << 20)
    // Inactive file pages may exceed the charged usage (v1 counts them hierarchically): never below zero.
    #expect(CgroupStats.workingSet(usage: 10, stat: ["inactive_file": 20], v2: true) == 0)
    #expect(CgroupStats.workingSet(usage: 10, stat: [:], v2: true) == 10)
  }

  @Test func weightConvertsBackToShares() {
    #expect(CgroupStats.shares(weight: 1) == 2)
    #expect(CgroupStats.shares(weight: 10000) == 262_144)
    // runc's forward conversion, 1 + ((shares − 2) × 9999) / 262142, gives the weight back from the shares.
    for w: UInt64 in [2, 39, 100, 5000, 9999] {
      let s = CgroupStats.shares(weight: w)
      #expect(1 + ((s - 2) * 9999) / 262_142 == w, "weight \(w) → shares \(s)")
    }
  }

  static let millicoreCases: [(Double, String)] = [(0, "0m"), (0.0004, "0m"), (0.001, "1m"), (0.2504, "250m"), (1.5, "1500m"), (-1, "0m")]

  @Test(arguments: millicoreCases)
  func millicores(cores: Double, text: String) { #expect(ResourceFormat.millicores(cores) == text) }

  static let mebibyteCases: [(UInt64, String)] = [
    (0, "0Mi"), (1 << 20 - 1, "0Mi"), (1 << 20, "1Mi"), (67_108_864, "64Mi"), (3 << 30, "3072Mi"),
  ]

  @Test(arguments: mebibyteCases)
  func mebibytes(bytes: UInt64, text: String) { #expect(ResourceFormat.mebibytes(bytes) == text) }

  @Test func percent() {
    #expect(ResourceFormat.percent(500, of: 2000) == "25%")
    #expect(ResourceFormat.percent(1, of: 0) == "<unknown>")
  }

  @Test func netDevParsesEveryInterface() {
    let text = """
      Inter-|   Receive                                                |  Transmit
       face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
          lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0
        eth0: 1234567    89    1    2    0     0          0         0    76543      21    3    4    0     0       0          0
      """
    let ifs = ProcCounters.parseNetDev(text)
    #expect(ifs.map(\.name) == ["lo", "eth0"])
    #expect(ifs[1].receiveBytes == 1_234_567 && ifs[1].receivePackets == 89 && ifs[1].receiveErrors == 1 && ifs[1].receiveDropped == 2)
    #expect(ifs[1].transmitBytes == 76543 && ifs[1].transmitErrors == 3)
  }

  @Test func nodeWorkingSetSubtractsFreeAndInactiveFile() {
    #expect(ProcCounters.nodeWorkingSet(["MemTotal": 1000, "MemFree": 300, "Inactive(file)": 200]) == 500)
    #expect(ProcCounters.nodeWorkingSet(["MemTotal": 1000, "MemFree": 900, "Inactive(file)": 200]) == 0)
  }
}
