import GarrisonCore

extension YAMLDocument {
  /// A node as the JSON the API server would store for it (Kubernetes' YAML-to-JSON step): plain scalars typed by
  /// YAML 1.1's rules (`ScalarKind`: integers in any base, floats, booleans, null), quoted and block scalars as
  /// strings, mapping keys as their text. Used to keep a pod's spec as applied (`PodTemplate.specJSON`).
  func json(_ n: YAMLNode) -> JSONValue {
    switch kind(n) {
    case .mapping:
      var out: [String: JSONValue] = [:]
      for i in 0..<count(n) {
        guard let k = string(ofKey: key(n, i)) else { continue }
        out[k] = json(value(n, i))
      }
      return .object(out)
    case .sequence:
      return .array((0..<count(n)).map { json(item(n, $0)) })
    case .scalar:
      return Self.jsonScalar(scalar(n) ?? "", scalarKind(n) ?? .string)
    }
  }

  /// A scalar's JSON value by its implicit type (an integer beyond 64 bits, a non-finite float: the text).
  static func jsonScalar(_ text: String, _ kind: ScalarKind) -> JSONValue {
    switch kind {
    case .null: return .null
    case .bool: return ScalarKind.bool(text).map { .bool($0) } ?? .string(text)
    case .integer: return NodeReader.yamlInteger(text).map { .int($0) } ?? .string(text)
    case .float:
      let t = text.replacingOccurrences(of: "_", with: "")
      if let d = Double(t.hasPrefix(".") ? "0" + t : t), d.isFinite { return .double(d) }
      return .string(text)
    case .string: return .string(text)
    }
  }
}
