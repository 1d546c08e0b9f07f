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

  /// The pod named `name` of `owner`, with `labels` added to the template's. An Indexed Job's pod
  /// (`completionIndex`) also gets the index as the `batch.kubernetes.io/job-completion-index` annotation and
  /// label, as `JOB_COMPLETION_INDEX` in every container's environment, and `<job>-<index>` as its hostname.
  public func build(
    owner: WorkloadObject, template: ManifestObject, name: String, labels: [String: String],
    completionIndex: Int? = nil
  ) throws -> PodRecord {
    var o = template
    guard var pod = o.pod else { throw GarrisonError(.invalid, "no pod template", field: FieldPath("spec.template")) }
    var meta = pod.metadata
    meta.name = name
    meta.namespace = owner.namespace
    meta.uid = nil
    meta.generateName = nil
    meta.labels.merge(labels) { _, new in new }
    if let index = completionIndex {
      meta.annotations[ObservedPod.completionIndexAnnotation] = String(index)
      meta.labels[ObservedPod.completionIndexAnnotation] = String(index)
      let env = EnvVar(name: "JOB_COMPLETION_INDEX", value: String(index))
      for i in pod.spec.containers.indices { pod.spec.containers[i].env.append(env) }
      for i in pod.spec.initContainers.indices { pod.spec.initContainers[i].env.append(env) }
      let host = "\(owner.name)-\(index)"
      if pod.spec.hostname == nil && host.count <= 63 { pod.spec.hostname = host }
    }
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
