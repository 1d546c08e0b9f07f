import Foundation
import GarrisonCore
import GarrisonManifest

/// Builds a workload's pods from its stored JSON with the same `PodBuilder` (policy compiler, plan, images,
/// volumes) as a naked pod: the template becomes a Pod named `<owner>-<5 random characters>` with the
/// template's labels, the controller's labels and an ownerReference.
public struct WorkloadPodFactory: Sendable {
  public let root: String
  public let options: ApplyOptions
  public init(root: String, options: ApplyOptions) {
    self.root = root
    self.options = options
  }

  /// The workload's object as the manifest loader reads it (its `spec.template` is the pod).
  public static func manifestObject(_ owner: WorkloadObject, root: String) throws -> ManifestObject {
    let file = WorkloadPaths(root: root, namespace: owner.namespace, kind: owner.kind, name: owner.name).object
    let r = ManifestLoader.parse(text: owner.manifest, file: file)
    if let e = r.errors.first { throw e }
    guard let o = r.objects.first, o.pod != nil else {
      throw GarrisonError(.invalid, "\(owner.kind) \(owner.namespace)/\(owner.name) has no pod template", field: FieldPath("spec.template"))
    }
    return o
  }

  /// The pod named `name` of `owner`, with `labels` added to the template's.
  public func build(owner: WorkloadObject, template: ManifestObject, name: String, labels: [String: String]) throws -> PodRecord {
    var o = template
    guard var pod = o.pod else { throw GarrisonError(.invalid, "no pod template", field: FieldPath("spec.template")) }
    var meta = pod.metadata
    meta.name = name
    meta.namespace = owner.namespace
    meta.uid = nil
    meta.generateName = nil
    meta.labels.merge(labels) { _, new in new }
    pod.metadata = meta
    o.pod = pod
    o.kind = "Pod"
    o.apiVersion = "v1"
    o.metadata = meta
    var record = try PodBuilder(root: root, options: options).build(o)
    record.labels = meta.labels
    record.ownerReferences = [owner.reference]
    return record
  }
}
