import GarrisonCore

/// `hostPath` volume source.
public struct HostPathVolumeSource: Equatable, Sendable {
  public var path: String
  /// "", `DirectoryOrCreate`, `Directory`, `FileOrCreate`, `File`, `Socket`, `CharDevice`, `BlockDevice`.
  public var type: String?
}

/// `emptyDir` volume source.
public struct EmptyDirVolumeSource: Equatable, Sendable {
  /// "" (node disk) or `Memory` (tmpfs).
  public var medium: String?
  public var sizeLimit: Quantity?
}

/// A key-to-path projection of a configMap or secret.
public struct KeyToPath: Equatable, Sendable {
  public var key: String
  public var path: String
  public var mode: Int32?
}

/// `configMap` or `secret` volume source (the same shape, different object kinds).
public struct ObjectVolumeSource: Equatable, Sendable {
  public var name: String
  public var items: [KeyToPath]
  public var defaultMode: Int32?
  public var optional: Bool
}

/// A pod volume. `sourceType` names the one source field that is set (`hostPath`, `emptyDir`, `configMap`, ...);
/// Pod Security Standards decide on that name.
public struct Volume: Equatable, Sendable {
  public var name: String
  public var sourceType: String
  public var hostPath: HostPathVolumeSource?
  public var emptyDir: EmptyDirVolumeSource?
  public var configMap: ObjectVolumeSource?
  public var secret: ObjectVolumeSource?

  /// Every volume source the Kubernetes core API defines.
  static let knownSources: Set<String> = [
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
  ]

  static func decode(_ r: NodeReader) throws -> Volume {
    guard let name = try r.string("name") else { throw GarrisonError(.invalid, "Required value", field: r.path / "name", at: r.location) }
    try Names.checkDNSLabel(name, r, "name")
    let present = r.keyNames.filter { knownSources.contains($0) }
    guard present.count == 1, let source = present.first else {
      let msg = present.isEmpty ? "Required value: must specify a volume type" : "Forbidden: may not specify more than 1 volume type"
      throw GarrisonError(.invalid, msg, field: r.path, at: r.location)
    }
    var v = Volume(name: name, sourceType: source)
    r.ignore(Array(knownSources))
    _ = r.value(source)
    v.hostPath = try r.objectReader("hostPath") { h in
      guard let p = try h.string("path") else { throw h.error("path", "Required value") }
      return HostPathVolumeSource(path: p, type: try h.string("type"))
    }
    v.emptyDir = try r.objectReader("emptyDir") { e in
      EmptyDirVolumeSource(medium: try e.string("medium"), sizeLimit: try e.value("sizeLimit").map { try e.quantity($0, field: e.path / "sizeLimit") })
    }
    v.configMap = try r.objectReader("configMap") { try objectSource($0, nameKey: "name") }
    v.secret = try r.objectReader("secret") { try objectSource($0, nameKey: "secretName") }
    if source != "hostPath" && source != "emptyDir" && source != "configMap" && source != "secret",
      let sub = try r.object(source)
    {
      // Sources Garrison does not model: accept their fields without checking them.
      sub.ignoreAll()
    }
    return v
  }

  static func objectSource(_ r: NodeReader, nameKey: String) throws -> ObjectVolumeSource {
    let items = try r.objectList("items") { i in
      guard let k = try i.string("key") else { throw i.error("key", "Required value") }
      guard let p = try i.string("path") else { throw i.error("path", "Required value") }
      return KeyToPath(key: k, path: p, mode: try i.int32("mode"))
    }
    return ObjectVolumeSource(
      name: try r.string(nameKey) ?? "", items: items, defaultMode: try r.int32("defaultMode"),
      optional: try r.bool("optional") ?? false)
  }
}
