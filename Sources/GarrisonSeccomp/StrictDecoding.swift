/// Rejects JSON object keys a Codable type does not know (Codable silently ignores them otherwise).
struct AnyCodingKey: CodingKey {
  var stringValue: String
  var intValue: Int?
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) {
    self.stringValue = String(intValue)
    self.intValue = intValue
  }
}

enum StrictDecoding {
  /// Throws `DecodingError.dataCorrupted` naming the first key of the object not in `allowed`.
  static func rejectUnknownKeys(in decoder: any Decoder, allowed: Set<String>) throws {
    let container = try decoder.container(keyedBy: AnyCodingKey.self)
    for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue })
    where !allowed.contains(key.stringValue) {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath + [key], debugDescription: "unknown field \"\(key.stringValue)\""))
    }
  }
}
