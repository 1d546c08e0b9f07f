import GarrisonCore

/// Small edits of stored JSON objects (a workload's manifest): set or remove the value at a path of keys.
enum JSONEdit {
  static func set(_ v: inout JSONValue, _ path: ArraySlice<String>, _ value: JSONValue?) {
    guard let key = path.first else {
      if let value { v = value }
      return
    }
    var o = v.objectValue ?? [:]
    if path.count == 1 {
      o[key] = value
    } else {
      var child = o[key] ?? .object([:])
      set(&child, path.dropFirst(), value)
      o[key] = child
    }
    v = .object(o)
  }

  static func setting(_ json: String, _ path: [String], _ value: JSONValue?) throws -> String {
    var v = try JSONParser.parse(json)
    set(&v, path[...], value)
    return v.canonicalString
  }
}
