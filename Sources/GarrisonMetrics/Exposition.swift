/// A metric family's type, as both text formats name it.
public enum MetricType: String, Sendable {
  case counter, gauge, histogram
}

/// One sample line: an optional name suffix (`_bucket`, `_sum`, `_count`), labels in order, a value.
public struct MetricSample: Sendable, Equatable {
  public var suffix: String
  public var labels: [(String, String)]
  public var value: Double

  public init(suffix: String = "", labels: [(String, String)], value: Double) {
    self.suffix = suffix
    self.labels = labels
    self.value = value
  }

  public static func == (a: MetricSample, b: MetricSample) -> Bool {
    a.suffix == b.suffix && a.value == b.value && a.labels.elementsEqual(b.labels, by: { $0 == $1 })
  }
}

/// A metric family: name, help text, type and its samples. Counter names carry `_total` (the Prometheus text
/// format's convention); the OpenMetrics encoder names the family without it, as that format requires.
public struct MetricFamily: Sendable, Equatable {
  public var name: String
  public var help: String
  public var type: MetricType
  public var samples: [MetricSample]

  public init(_ name: String, _ type: MetricType, _ help: String, samples: [MetricSample] = []) {
    self.name = name
    self.help = help
    self.type = type
    self.samples = samples
  }

  /// Adds one sample with these labels.
  public mutating func add(_ labels: [(String, String)], _ value: Double) {
    samples.append(MetricSample(labels: labels, value: value))
  }

  /// Adds a cumulative histogram (`_bucket` per upper bound and `+Inf`, `_sum`, `_count`) from per-bucket counts
  /// (`counts[i]` observations ≤ `bounds[i]`, not cumulative; one more entry for the overflow).
  public mutating func addHistogram(_ labels: [(String, String)], bounds: [Double], counts: [UInt64], sum: Double) {
    var cumulative: UInt64 = 0
    for (i, bound) in bounds.enumerated() {
      cumulative += counts[i]
      samples.append(MetricSample(suffix: "_bucket", labels: labels + [("le", Exposition.number(bound))], value: Double(cumulative)))
    }
    cumulative += counts[bounds.count]
    samples.append(MetricSample(suffix: "_bucket", labels: labels + [("le", "+Inf")], value: Double(cumulative)))
    samples.append(MetricSample(suffix: "_sum", labels: labels, value: sum))
    samples.append(MetricSample(suffix: "_count", labels: labels, value: Double(cumulative)))
  }
}

/// The two exposition formats: Prometheus text 0.0.4 and OpenMetrics 1.0.0.
public enum ExpositionFormat: Sendable, Equatable {
  case prometheus, openMetrics

  /// The `Content-Type` of a response in this format.
  public var contentType: String {
    switch self {
    case .prometheus: return "text/plain; version=0.0.4; charset=utf-8"
    case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
    }
  }

  /// OpenMetrics when the scraper's `Accept` header names `application/openmetrics-text` (Prometheus asks for it
  /// first, with a q-value), else the Prometheus text format.
  public static func negotiate(accept: String?) -> ExpositionFormat {
    guard let accept else { return .prometheus }
    for part in accept.split(separator: ",") {
      let media = part.split(separator: ";").first.map { $0.trimmingCharacters() } ?? ""
      if media.lowercased() == "application/openmetrics-text" {
        let q = part.split(separator: ";").dropFirst().first { $0.trimmingCharacters().hasPrefix("q=") }
        if let q, let v = Double(q.trimmingCharacters().dropFirst(2)), v <= 0 { continue }
        return .openMetrics
      }
    }
    return .prometheus
  }
}

/// Encodes metric families in either text format. Label values come from manifests and are hostile: `\`, `"` and
/// newline are escaped in label values, `\` and newline in help text; label names and metric names are fixed by
/// this module. Families are written in the order given; a family without samples is left out.
public enum Exposition {
  public static func encode(_ families: [MetricFamily], format: ExpositionFormat) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(families.reduce(0) { $0 + 64 + $1.samples.count * 120 })
    for f in families where !f.samples.isEmpty {
      let familyName =
        format == .openMetrics && f.type == .counter && f.name.hasSuffix("_total")
        ? String(f.name.dropLast(6)) : f.name
      append(&out, "# HELP ")
      append(&out, familyName)
      out.append(0x20)
      escape(&out, f.help, quotes: format == .openMetrics)
      append(&out, "\n# TYPE ")
      append(&out, familyName)
      out.append(0x20)
      // OpenMetrics requires a counter's samples to end in `_total`; cAdvisor's container_memory_failcnt does not.
      let untypedCounter = format == .openMetrics && f.type == .counter && !f.name.hasSuffix("_total")
      append(&out, untypedCounter ? "unknown" : f.type.rawValue)
      out.append(0x0A)
      for s in f.samples {
        append(&out, f.name)
        append(&out, s.suffix)
        if !s.labels.isEmpty {
          out.append(UInt8(ascii: "{"))
          for (i, (k, v)) in s.labels.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            append(&out, k)
            append(&out, "=\"")
            escape(&out, v, quotes: true)
            out.append(UInt8(ascii: "\""))
          }
          out.append(UInt8(ascii: "}"))
        }
        out.append(0x20)
        append(&out, number(s.value))
        out.append(0x0A)
      }
    }
    if format == .openMetrics { append(&out, "# EOF\n") }
    return out
  }

  /// A sample value: integers without a fraction, `+Inf`/`-Inf`/`NaN` spelled as both formats want.
  public static func number(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return String(v)
  }

  /// Appends `text` escaped: `\` → `\\`, newline → `\n`, and `"` → `\"` when `quotes` (label values; OpenMetrics
  /// help text). Invalid UTF-8 cannot occur (Swift strings are valid Unicode).
  static func escape(_ out: inout [UInt8], _ text: String, quotes: Bool) {
    for b in text.utf8 {
      switch b {
      case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
      case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
      case UInt8(ascii: "\"") where quotes: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\""))
      default: out.append(b)
      }
    }
  }

  @inline(__always) static func append(_ out: inout [UInt8], _ s: String) { out.append(contentsOf: s.utf8) }
}

extension StringProtocol {
  fileprivate func trimmingCharacters() -> String {
    String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
  }
}
