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
  /// Further source fields of a volume that sets more than one (an API-validation error; Pod Security Standards
  /// still judge each).
  public var otherSourceTypes: [String] = []

  /// Every volume source the Kubernetes core API defines.
  static let knownSources: Set<String> = [
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
  ]

  static func decode(_ r: NodeReader) throws -> Volume {
    let name = try r.string("name") ?? ""
    if name.isEmpty { r.report(GarrisonError(.invalid, "Required value", field: r.path / "name", at: r.location)) }
    try r.checkName(name, .dnsLabel, r.path / "name")
    // The source fields set (a null one is unset, as in the API's JSON).
    let present = (0..<r.count).compactMap { i -> String? in
      guard let k = r.doc.string(ofKey: r.doc.key(r.node, i)), knownSources.contains(k) else { return nil }
      return r.doc.scalarKind(r.doc.value(r.node, i)) == .null ? nil : k
    }
    if present.count > 1 {
      r.report(GarrisonError(.invalid, "Forbidden: may not specify more than 1 volume type", field: r.path, at: r.location))
    }
    // No source at all: the API server defaults the volume to an emptyDir (SetDefaults_Volume).
    let source = present.first ?? "emptyDir"
    var v = Volume(name: name, sourceType: source)
    v.otherSourceTypes = Array(present.dropFirst())
    if present.isEmpty { v.emptyDir = EmptyDirVolumeSource(medium: nil, sizeLimit: nil) }
    r.ignore(Array(knownSources))
    _ = r.value(source)
    v.hostPath = try r.objectReader("hostPath", HostPathVolumeSource.decode)
    if let e = try r.objectReader(
      "emptyDir",
      { e in
        let size = try e.value("sizeLimit").map { try e.quantity($0, field: e.path / "sizeLimit") }
        if let size, size.isNegative {
          e.report(e.invalid(e.path / "sizeLimit", "Forbidden: SizeLimit field must be a valid resource quantity"))
        }
        return EmptyDirVolumeSource(medium: try e.string("medium"), sizeLimit: size)
      })
    {
      v.emptyDir = e
    }
    v.configMap = try r.objectReader("configMap") { try objectSource($0, nameKey: "name") }
    v.secret = try r.objectReader("secret") { try objectSource($0, nameKey: "secretName") }
    for s in present where s != "hostPath" && s != "emptyDir" && s != "configMap" && s != "secret" {
      guard let sub = try r.object(s) else { continue }
      // Sources Garrison does not model: the checks that keep their names, paths and modes sane, the rest
      // accepted as is.
      try UnmodelledVolumeSource.check(s, sub)
      sub.ignoreAll()
    }
    return v
  }

  /// A configMap or secret source: the referenced object's name (a DNS subdomain: no ConfigMap or Secret can
  /// have another), each `items[]` entry, and the file modes.
  static func objectSource(_ r: NodeReader, nameKey: String) throws -> ObjectVolumeSource {
    let name = try r.requiredString(nameKey)
    try r.checkName(name, .dnsSubdomain, r.path / nameKey)
    let items = try r.objectList("items", KeyToPath.decode)
    return ObjectVolumeSource(
      name: name, items: items, defaultMode: try r.fileMode("defaultMode"), optional: try r.bool("optional") ?? false)
  }
}

extension KeyToPath {
  /// Kubernetes' `validateKeyToPath`: key and path required, the path relative without `..` elements and not
  /// starting with `..`, the mode 0 to 0777; neither key nor path may hold a NUL.
  static func decode(_ i: NodeReader) throws -> KeyToPath {
    let k = try i.requiredString("key")
    try i.checkNoNUL(k, i.path / "key")
    let p = try i.requiredString("path")
    try i.checkLocalNonReservedPath(p, i.path / "path")
    return KeyToPath(key: k, path: p, mode: try i.fileMode("mode"))
  }
}

extension HostPathVolumeSource {
  static let types = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]

  /// Kubernetes' `validateHostPathVolumeSource`: a path without `..` elements (and without NUL) and a known type.
  static func decode(_ h: NodeReader) throws -> HostPathVolumeSource {
    let p = try h.requiredString("path")
    try h.checkNoNUL(p, h.path / "path")
    try h.checkNoBacksteps(p, h.path / "path")
    let type = try h.string("type")
    if let type, !types.contains(type) {
      h.report(
        h.invalid(h.path / "type", "Unsupported value: \"\(type)\": supported values: " + types.map { "\"\($0)\"" }.joined(separator: ", "))
      )
    }
    return HostPathVolumeSource(path: p, type: type)
  }
}
