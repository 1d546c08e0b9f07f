extension GarrisonError {
  /// The line a command prints for this error on stderr (without the newline): `file:line:col: severity: object:
  /// field: message (operation: errno N)`, each part only when known.
  public func diagnosticLine(severity: String, object: String? = nil) -> String {
    var parts: [String] = []
    if let l = location { parts.append(l.description) }
    parts.append(severity)
    if let object { parts.append(object) }
    if let f = fieldPath, !f.steps.isEmpty { parts.append(f.description) }
    var msg = message
    if !operation.isEmpty, let errno { msg += " (\(operation): errno \(errno))" }
    parts.append(msg)
    return parts.joined(separator: ": ")
  }
}
