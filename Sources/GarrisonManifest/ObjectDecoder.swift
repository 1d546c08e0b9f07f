import GarrisonCore

/// Turns one YAML document into objects: a single object, or the items of a `List`. What prevents modelling
/// an object (not a mapping, a type error, a duplicate key, no kind or apiVersion) is thrown; API-validation
/// errors (a missing pod spec or template among them: the object then has no pod) are collected on the object (`ManifestObject.validationErrors`) and the rest of it is still read.
enum ObjectDecoder {
  static func decode(_ node: YAMLNode, context: DecodeContext) throws -> [ManifestObject] {
    let r = try NodeReader(node, path: FieldPath(), context: context)
    guard let kind = try r.string("kind"), !kind.isEmpty else {
      throw GarrisonError(.invalid, "Object 'Kind' is missing", field: FieldPath("kind"), at: r.location)
    }
    guard let apiVersion = try r.string("apiVersion"), !apiVersion.isEmpty else {
      throw GarrisonError(.invalid, "Object 'apiVersion' is missing", field: FieldPath("apiVersion"), at: r.location)
    }
    if kind == "List" || kind.hasSuffix("List") && r.value("items") != nil {
      r.ignore(["metadata"])
      var out: [ManifestObject] = []
      _ = try r.list("items") { item, path in
        let itemContext = DecodeContext(
          doc: context.doc, root: item, file: context.file, lineOffset: context.lineOffset, keepJSON: context.keepJSON)
        out += try decode(item, context: itemContext)
        context.warnings += itemContext.warnings
        context.skipped += itemContext.skipped
      }
      r.finish()
      return out
    }
    guard WorkloadKind.known.contains(kind) else {
      // Valid Kubernetes input Garrison does not model (a custom resource, a Service, a webhook configuration):
      // read and counted, never an error here; a command that must act on it (apply) decides.
      var name: String?
      if let m = r.value("metadata"), let meta = try? NodeReader(m, path: FieldPath("metadata"), context: context) {
        name = try? meta.string("name")
      }
      context.skipped.append(SkippedObject(apiVersion: apiVersion, kind: kind, name: name, location: r.location))
      return []
    }
    let metadata: ObjectMeta
    if let m = try r.objectReader("metadata", { try ObjectMeta.decode($0, kind: kind) }) {
      metadata = m
    } else {
      r.report(
        GarrisonError(.invalid, "Required value: name or generateName is required", field: FieldPath("metadata.name"), at: r.location))
      metadata = ObjectMeta()
    }
    var object = ManifestObject(
      apiVersion: apiVersion, kind: kind, metadata: metadata, location: r.location, pod: nil, positions: context.positions)
    if kind == "StatefulSet", let spec = r.value("spec"), context.doc.kind(spec) == .mapping {
      // The controller adds a persistentVolumeClaim volume per claim template: pod volumeMounts may name them.
      context.claimTemplateNames = try claimTemplateNames(try NodeReader(spec, path: FieldPath("spec"), context: context))
    }
    if let steps = WorkloadKind.templatePaths[kind] {
      object.pod = try decodePod(r, templateSteps: steps, objectMeta: metadata)
      r.ignore(["status"])
      r.finish()
    } else if kind == "ConfigMap" || kind == "Secret" {
      // A null value is "" and a number or boolean key is its text, as the API server's YAML-to-JSON step makes
      // them; a non-string value is still a type error there.
      object.data = try r.stringMap("data")
      object.stringData = try r.stringMap("stringData")
      // ValidateConfigMap / ValidateSecret: each key is a config key (it becomes a file name in a volume).
      for (field, map) in [("data", object.data), ("stringData", object.stringData)] {
        for key in map.keys.sorted() {
          let errs = KubernetesNames.configMapKeyErrors(key)
          if !errs.isEmpty { r.report(r.invalid(FieldPath(field).appending(key: key), KubernetesNames.invalid(key, errs))) }
        }
      }
      r.ignore(["binaryData", "type", "immutable"])
      r.finish()
    }
    // Other known kinds: metadata only; their remaining fields are not Garrison's to judge.
    object = ManifestObject(
      apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata, location: object.location,
      pod: object.pod, data: object.data, stringData: object.stringData, positions: context.positions)
    object.validationErrors = context.invalid
    if context.keepJSON && WorkloadKind.controlled.contains(kind) { object.source = context.doc.json(node) }
    return [object]
  }

  /// `spec.volumeClaimTemplates[].metadata.name` of a StatefulSet (the templates themselves are not Garrison's
  /// to judge; `decodePod` marks the field read).
  static func claimTemplateNames(_ spec: NodeReader) throws -> Set<String> {
    guard let list = spec.value("volumeClaimTemplates"), spec.doc.kind(list) == .sequence else { return [] }
    var names: Set<String> = []
    for i in 0..<spec.doc.count(list) {
      let item = spec.doc.item(list, i)
      guard spec.doc.kind(item) == .mapping else { continue }
      let t = try NodeReader(item, path: spec.path / "volumeClaimTemplates" / i, context: spec.context)
      if let m = t.value("metadata"), spec.doc.kind(m) == .mapping,
        let name = try NodeReader(m, path: t.path / "metadata", context: spec.context).string("name")
      {
        names.insert(name)
      }
    }
    return names
  }

  /// Walks down to the pod template, reading the workload fields on the way as known-but-unmodelled. A missing
  /// spec or template is an API-validation error of an object that then has no pod (nil).
  static func decodePod(_ root: NodeReader, templateSteps: [String], objectMeta: ObjectMeta) throws -> PodTemplate? {
    if templateSteps.isEmpty {
      guard let spec = try root.objectReader("spec", PodSpec.decode) else {
        root.report(GarrisonError(.invalid, "Required value: spec", field: FieldPath("spec"), at: root.location))
        return nil
      }
      let metadataPath = FieldPath([.field("metadata")])
      try PodAnnotations.validate(objectMeta, metadataPath: metadataPath, context: root.context, at: root.location)
      var pod = PodTemplate(metadata: objectMeta, spec: spec, specPath: FieldPath([.field("spec")]), metadataPath: metadataPath)
      if root.context.keepJSON, let node = root.value("spec") { pod.specJSON = root.doc.json(node) }
      return pod
    }
    var reader = root
    var readers: [NodeReader] = []
    for step in templateSteps {
      guard let next = try reader.object(step) else {
        root.report(GarrisonError(.invalid, "Required value: \(step)", field: reader.path / step, at: reader.location))
        // The workload's other fields are not Garrison's to judge.
        for r in readers { r.ignoreAll() }
        return nil
      }
      readers.append(next)
      reader = next
    }
    // Workload-level fields (replicas, selector, strategy, schedule, ...) are not Garrison's to judge.
    for r in readers.dropLast() {
      r.ignore(r.keyNames.filter { !templateSteps.contains($0) })
    }
    let template = reader
    let meta = try template.objectReader("metadata", { try ObjectMeta.decode($0, kind: nil) }) ?? ObjectMeta()
    guard let spec = try template.objectReader("spec", PodSpec.decode) else {
      root.report(GarrisonError(.invalid, "Required value: spec", field: template.path / "spec", at: template.location))
      for r in readers { r.ignoreAll() }
      return nil
    }
    for r in readers.reversed() { r.finish() }
    try PodAnnotations.validate(meta, metadataPath: template.path / "metadata", context: root.context, at: template.location)
    var pod = PodTemplate(metadata: meta, spec: spec, specPath: template.path / "spec", metadataPath: template.path / "metadata")
    if template.context.keepJSON, let node = template.value("spec") { pod.specJSON = template.doc.json(node) }
    return pod
  }
}
