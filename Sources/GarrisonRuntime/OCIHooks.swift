import GarrisonCore
import GarrisonInitProtocol
import GarrisonOCI

/// A container's validated OCI hooks (config.json `hooks`), by kind, in config order. Validation names the
/// field: `path` must be absolute, `timeout` (seconds) greater than zero when set (and at most 2^31-1), and no
/// string may contain a NUL byte (the C side would cut it short and run something else).
public struct OCIHooks: Equatable, Sendable {
  /// Non-empty lists only.
  public private(set) var lists: [HookKind: [InitSpec.Hook]] = [:]

  public init(_ hooks: RuntimeSpec.Hooks?) throws {
    guard let hooks else { return }
    let raw: [(HookKind, [RuntimeSpec.Hook]?)] = [
      (.prestart, hooks.prestart), (.createRuntime, hooks.createRuntime), (.createContainer, hooks.createContainer),
      (.startContainer, hooks.startContainer), (.poststart, hooks.poststart), (.poststop, hooks.poststop),
    ]
    for (kind, list) in raw {
      guard let list, !list.isEmpty else { continue }
      lists[kind] = try list.enumerated().map { i, h in
        try Self.validate(h, field: FieldPath("hooks") / kind.rawValue / i)
      }
    }
  }

  init(lists: [HookKind: [InitSpec.Hook]]) { self.lists = lists.filter { !$0.value.isEmpty } }

  public subscript(kind: HookKind) -> [InitSpec.Hook] { lists[kind] ?? [] }
  public var isEmpty: Bool { lists.isEmpty }

  /// What garrison-init needs (nil when it neither pauses nor runs any hook).
  public func forInit(state: HookState) -> InitSpec.Hooks? {
    let pause = !self[.prestart].isEmpty || !self[.createRuntime].isEmpty
    guard pause || !self[.createContainer].isEmpty || !self[.startContainer].isEmpty else { return nil }
    return InitSpec.Hooks(
      pauseForRuntime: pause, createContainer: self[.createContainer],
      startContainer: self[.startContainer], state: state)
  }

  static func validate(_ h: RuntimeSpec.Hook, field: FieldPath) throws -> InitSpec.Hook {
    guard h.path.hasPrefix("/") else {
      throw GarrisonError(.invalid, "hook path \(h.path) must be absolute", field: field / "path")
    }
    if let timeout = h.timeout {
      guard timeout > 0 else {
        throw GarrisonError(.invalid, "timeout must be greater than zero (got \(timeout))", field: field / "timeout")
      }
      guard timeout <= Int(Int32.max) else {
        throw GarrisonError(
          .invalid, "timeout \(timeout) is too large (at most \(Int32.max) seconds)",
          field: field / "timeout")
      }
    }
    let strings: [(String, FieldPath)] =
      [(h.path, field / "path")]
      + (h.args ?? []).enumerated().map { ($1, field / "args" / $0) }
      + (h.env ?? []).enumerated().map { ($1, field / "env" / $0) }
    for (text, f) in strings where text.utf8.contains(0) {
      throw GarrisonError(.invalid, "must not contain a NUL byte", field: f)
    }
    return InitSpec.Hook(path: h.path, args: h.args ?? [], env: h.env, timeout: h.timeout)
  }

  /// state.json's form: `{"<kind>": [{"path","args","env"?,"timeout"?}, …], …}`.
  var json: JSONValue {
    .object(
      Dictionary(
        uniqueKeysWithValues: lists.map { kind, list in
          (
            kind.rawValue,
            JSONValue.array(
              list.map { h in
                var o: [String: JSONValue] = ["path": .string(h.path), "args": .strings(h.args)]
                if let env = h.env { o["env"] = .strings(env) }
                if let timeout = h.timeout { o["timeout"] = .integer(timeout) }
                return .object(o)
              })
          )
        }))
  }

  init(json: JSONValue) throws(GarrisonError) {
    func bad(_ what: String) -> GarrisonError {
      GarrisonError(.system, "corrupt state: field hooks.\(what) missing or mistyped")
    }
    guard let object = json.objectValue else { throw bad("") }
    for (name, value) in object {
      guard let kind = HookKind(rawValue: name), let items = value.arrayValue else { throw bad(name) }
      var list: [InitSpec.Hook] = []
      for (i, item) in items.enumerated() {
        guard let path = item["path"]?.stringValue, let args = item["args"]?.stringArrayValue else {
          throw bad("\(name)[\(i)]")
        }
        var hook = InitSpec.Hook(path: path, args: args)
        if let env = item["env"] {
          guard let list = env.stringArrayValue else { throw bad("\(name)[\(i)].env") }
          hook.env = list
        }
        if let timeout = item["timeout"] {
          guard let t = timeout.intValue else { throw bad("\(name)[\(i)].timeout") }
          hook.timeout = Int(t)
        }
        list.append(hook)
      }
      lists[kind] = list
    }
  }
}
