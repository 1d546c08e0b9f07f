import GarrisonCore

/// A document's node as the JSON value the API server would store: plain scalars typed by `ScalarKind` (YAML 1.1
/// rules), quoted and block scalars strings, mapping keys as text. Kept for the kinds whose controllers run
/// (`ManifestObject.source`): a workload's pod template is hashed from it and its pods are built from it again.
extension YAMLDocument {
  func jsonValue(_ n: YAMLNode) -> JSONValue {
    switch kind(n) {
    case .mapping:
      var o: [String: JSONValue] = [:]
      for i in 0..<count(n) {
        guard let k = string(ofKey: key(n, i)) else { continue }
        o[k] = jsonValue(value(n, i))
      }
      return .object(o)
    case .sequence:
      return .array((0..<count(n)).map { jsonValue(item(n, $0)) })
    case .scalar:
      let text = scalar(n) ?? ""
      switch scalarKind(n) ?? .string {
      case .null: return .null
      case .bool: return .bool(ScalarKind.bool(text) ?? false)
      case .integer:
        if let i = Int64(text.replacingOccurrences(of: "_", with: "")) { return .int(i) }
        return .string(text)
      case .float:
        if let d = Double(text.replacingOccurrences(of: "_", with: "")) { return .double(d) }
        return .string(text)
      case .string: return .string(text)
      }
    }
  }
}
