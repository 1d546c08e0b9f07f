import Foundation

/// Text output of `garrison image ls` and `garrison image inspect`.
public enum ImageListing {
  /// A column-aligned table: NAME, TAG, DIGEST (12 hex), SIZE, CREATED.
  public static func table(_ rows: [ImageStore.Summary]) -> String {
    let header = ["NAME", "TAG", "DIGEST", "SIZE", "CREATED"]
    let cells = rows.map { [$0.name, $0.tag, $0.digest.short, humanSize($0.size), displayTime($0.created)] }
    let widths = header.indices.map { i in ([header] + cells).map { $0[i].count }.max() ?? 0 }
    return ([header] + cells).map { row in
      row.enumerated().map { i, cell in
        i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
  }

  /// `512 B`, `1.5 kB`, `2.3 MB` (decimal units, like podman).
  public static func humanSize(_ bytes: Int64) -> String {
    if bytes < 1000 { return "\(bytes) B" }
    var value = Double(bytes)
    for unit in ["kB", "MB", "GB", "TB"] {
      value /= 1000
      if value < 1000 || unit == "TB" { return String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, unit) }
    }
    return "\(bytes) B"
  }

  /// `2026-11-26 23:12:38` from an RFC 3339 time (fractional seconds and zone dropped); `-` when unknown.
  public static func displayTime(_ created: String?) -> String {
    guard let created, created.count >= 19 else { return "-" }
    return String(created.prefix(19)).replacingOccurrences(of: "T", with: " ")
  }

  /// The image configuration blob of `image`, pretty-printed with sorted keys (what `image inspect` prints).
  public static func inspect(_ store: ImageStore, _ image: ImageStore.Image) throws -> String {
    let raw = try store.readBlob(image.configDescriptor)
    let object = try JSONSerialization.jsonObject(with: Data(raw))
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
