/// The hooks section of `InitSpecWire`. A spec without hooks is `GIS1` and encodes exactly as before hooks existed
/// (state.json written by an older runtime still decodes); a spec with hooks starts `GIS2` and carries this
/// section after the id maps, required (a truncation there is an error, not a spec without hooks):
/// `pauseForRuntime`, the createContainer and startContainer lists (each hook: path, args, optional env,
/// optional timeout) and the state identity (id, bundle, annotations sorted by key).
extension InitSpecWire {
  static let magicWithHooks: [UInt8] = Array("GIS2".utf8)

  static func encodeHooks(_ hooks: InitSpec.Hooks?, into w: inout WireWriter) {
    guard let hooks else { return }
    w.bool(hooks.pauseForRuntime)
    for list in [hooks.createContainer, hooks.startContainer] {
      w.count(list.count)
      for hook in list {
        w.string(hook.path)
        w.strings(hook.args)
        w.bool(hook.env != nil)
        if let env = hook.env { w.strings(env) }
        w.bool(hook.timeout != nil)
        if let timeout = hook.timeout { w.int(timeout) }
      }
    }
    w.string(hooks.state.id)
    w.string(hooks.state.bundle)
    let keys = hooks.state.annotations.keys.sorted()
    w.count(keys.count)
    for key in keys {
      w.string(key)
      w.string(hooks.state.annotations[key]!)
    }
  }

  /// Reads the section of a `GIS2` spec.
  static func decodeHooks(_ r: inout WireReader) throws(InitSpecWireError) -> InitSpec.Hooks {
    let pause = try r.bool()
    var lists: [[InitSpec.Hook]] = []
    for _ in 0..<2 {
      var list: [InitSpec.Hook] = []
      for _ in 0..<(try r.count()) {
        let path = try r.string()
        let args = try r.strings()
        let env = try r.bool() ? try r.strings() : nil
        let timeout = try r.bool() ? try r.int() : nil
        list.append(InitSpec.Hook(path: path, args: args, env: env, timeout: timeout))
      }
      lists.append(list)
    }
    let id = try r.string()
    let bundle = try r.string()
    var annotations: [String: String] = [:]
    for _ in 0..<(try r.count()) {
      let at = r.at
      let key = try r.string()
      guard annotations.updateValue(try r.string(), forKey: key) == nil else {
        throw InitSpecWireError(offset: at, "duplicate annotation \(key)")
      }
    }
    return InitSpec.Hooks(
      pauseForRuntime: pause, createContainer: lists[0], startContainer: lists[1],
      state: HookState(id: id, bundle: bundle, annotations: annotations))
  }
}
