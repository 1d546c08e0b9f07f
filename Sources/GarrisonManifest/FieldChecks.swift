import GarrisonCore

/// Kubernetes' API checks for single fields (paths, file modes, strings that reach a system call), each recording
/// an `.invalid` error that names the field and its `file:line:col` (`NodeReader.report`): the object is still
/// modelled for lint, and every command that acts on it refuses it (exit 2).
extension NodeReader {
  /// The position of a field below this object (its key, or its list item), else of this object.
  func location(of field: FieldPath) -> SourceLocation { context.location(of: field) ?? location }

  /// An `.invalid` error at `field`.
  func invalid(_ field: FieldPath, _ message: String) -> GarrisonError {
    GarrisonError(.invalid, message, field: field, at: location(of: field))
  }

  /// Refuses a NUL byte: a C string would end there, so the kernel would see a shorter value than the manifest.
  func checkNoNUL(_ value: String?, _ field: @autoclosure () -> FieldPath) throws {
    guard let value, value.utf8.contains(0) else { return }
    report(invalid(field(), KubernetesNames.invalid(value, ["must not contain a NUL byte"])))
  }

  /// `checkNoNUL` for every item of a string list (`command`, `args`).
  func checkNoNUL(_ values: [String]?, _ key: String) throws {
    for (i, v) in (values ?? []).enumerated() { try checkNoNUL(v, path / key / i) }
  }

  /// A string field that reaches a system call: no NUL.
  func plainString(_ key: String) throws -> String? {
    let v = try string(key)
    try checkNoNUL(v, path / key)
    return v
  }

  /// Kubernetes' `validatePathNoBacksteps`: no `..` element.
  func checkNoBacksteps(_ value: String, _ field: FieldPath) throws {
    if value.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
      report(invalid(field, KubernetesNames.invalid(value, ["must not contain '..'"])))
    }
  }

  /// Kubernetes' `validateLocalDescendingPath`: relative, no `..` element (and no NUL).
  func checkLocalDescendingPath(_ value: String, _ field: FieldPath) throws {
    try checkNoNUL(value, field)
    if value.hasPrefix("/") { report(invalid(field, KubernetesNames.invalid(value, ["must be a relative path"]))) }
    try checkNoBacksteps(value, field)
  }

  /// Kubernetes' `ValidateLocalNonReservedPath`: a descending path that does not start with `..` either.
  func checkLocalNonReservedPath(_ value: String, _ field: FieldPath) throws {
    try checkLocalDescendingPath(value, field)
    if value.hasPrefix("..") {
      report(invalid(field, KubernetesNames.invalid(value, ["must not start with '..'"])))
    }
  }

  /// A file mode (`defaultMode`, `items[].mode`): 0 to 0777.
  func fileMode(_ key: String) throws -> Int32? {
    guard let mode = try int32(key) else { return nil }
    if mode < 0 || mode > 0o777 {
      report(invalid(path / key, "Invalid value: \(mode): must be a number between 0 and 0777 (octal), both inclusive"))
    }
    return mode
  }

  /// A required, non-empty string ("" after recording the error when it is missing).
  func requiredString(_ key: String, _ message: String = "Required value") throws -> String {
    guard let v = try string(key), !v.isEmpty else {
      report(invalid(path / key, message))
      return ""
    }
    return v
  }

  /// A name that must follow `rule` (an object reference or a name inside the pod). An empty name is left to
  /// the "Required value" error its field already has.
  func checkName(_ value: String, _ rule: KubernetesNames.Rule, _ field: @autoclosure () -> FieldPath) throws {
    guard !value.isEmpty else { return }
    let errs = KubernetesNames.errors(value, rule)
    if !errs.isEmpty { report(invalid(field(), KubernetesNames.invalid(value, errs))) }
  }
}
