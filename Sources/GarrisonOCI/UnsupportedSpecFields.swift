import GarrisonCore

/// Fields the runtime-spec defines that garrison-oci does not enforce. The model does not decode them, and
/// runtime-spec tells a runtime to ignore properties it does not know, so without this check they would pass
/// silently: a config asking for a real-time scheduler, a NUMA policy or an idmapped mount would run
/// without it. Instead a config that sets one (to anything but null or an empty object or list) is refused,
/// naming the field.
public enum UnsupportedSpecFields {
  /// What each unsupported field asks for, for the error message.
  static let process: [(String, String)] = [
    ("scheduler", "a scheduling policy"), ("ioPriority", "an I/O priority"),
    ("execCPUAffinity", "a CPU affinity for exec'd processes"),
  ]
  static let linux: [(String, String)] = [
    ("intelRdt", "Intel RDT resource control"),
    ("netDevices", "network devices moved into the container"),
    ("memoryPolicy", "a NUMA memory policy"),
  ]
  static let mount: [(String, String)] = [
    ("uidMappings", "an idmapped mount"), ("gidMappings", "an idmapped mount"),
  ]

  /// The unsupported fields `config` sets, each with what it asks for, in document order of the lists above.
  public static func find(in config: JSONValue) -> [(field: FieldPath, what: String)] {
    var found: [(FieldPath, String)] = []
    func check(_ object: JSONValue?, _ fields: [(String, String)], at path: FieldPath) {
      guard case .object(let o)? = object else { return }
      for (name, what) in fields {
        guard let value = o[name] else { continue }
        switch value {
        case .null, .object([:]), .array([]): continue  // asks for nothing
        default: found.append((path / name, what))
        }
      }
    }
    check(config["process"], process, at: FieldPath("process"))
    check(config["linux"], linux, at: FieldPath("linux"))
    if case .array(let mounts)? = config["mounts"] {
      for (i, m) in mounts.enumerated() { check(m, mount, at: FieldPath("mounts") / i) }
    }
    return found
  }
}
