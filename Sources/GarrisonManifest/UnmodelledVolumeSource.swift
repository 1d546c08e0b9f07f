import GarrisonCore

/// Volume sources Garrison does not model but whose names, paths and file modes Kubernetes checks: the same
/// checks here, so what a later version acts on is already sane. Every other field is accepted as is.
enum UnmodelledVolumeSource {
  static func check(_ source: String, _ r: NodeReader) throws {
    switch source {
    case "persistentVolumeClaim":
      let claim = try r.requiredString("claimName")
      try r.checkName(claim, .dnsSubdomain, r.path / "claimName")
    case "downwardAPI":
      _ = try r.fileMode("defaultMode")
      try downwardAPIItems(r)
    case "projected":
      _ = try r.fileMode("defaultMode")
      _ = try r.list("sources") { item, p in
        guard case .index = p.steps.last else { return }
        let s = try NodeReader(item, path: p, context: r.context)
        for (kind, key) in [("configMap", "name"), ("secret", "name")] {
          guard let o = try s.object(kind) else { continue }
          let name = try o.requiredString(key)
          try o.checkName(name, .dnsSubdomain, o.path / key)
          _ = try o.objectList("items") { try KeyToPath.decode($0) }
          o.ignoreAll()
        }
        if let d = try s.object("downwardAPI") {
          try downwardAPIItems(d)
          d.ignoreAll()
        }
        if let t = try s.object("serviceAccountToken"), let path = try t.string("path") {
          try t.checkLocalNonReservedPath(path, t.path / "path")
          t.ignoreAll()
        }
        s.ignoreAll()
      }
    default:
      return
    }
  }

  /// `downwardAPI.items[]`: path relative, without `..`, not starting with `..`; mode 0 to 0777.
  static func downwardAPIItems(_ r: NodeReader) throws {
    _ = try r.objectList("items") { i in
      let path = try i.requiredString("path")
      try i.checkLocalNonReservedPath(path, i.path / "path")
      _ = try i.fileMode("mode")
      i.ignoreAll()
    }
  }
}
