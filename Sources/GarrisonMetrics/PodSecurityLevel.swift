import GarrisonCore
import GarrisonLint
import GarrisonManifest
import GarrisonPods

/// The Pod Security Standards level a pod's stored spec satisfies: the highest of `restricted` and `baseline` (at
/// `latest`) under which the same checks as `garrison lint` and the admission webhook (``PSSRegistry``) find no
/// violation, else `privileged`. Computed once per pod record (the exporter caches it with the decoded record).
enum PodSecurityLevel {
  /// The label value: `restricted`, `baseline`, `privileged`, or `unknown` for a record that keeps no spec
  /// (written before `specJSON` was stored) or whose spec no longer loads.
  static func of(_ record: PodRecord) -> String {
    guard let spec = record.specJSON else { return "unknown" }
    var meta: [String: JSONValue] = ["name": .string(record.name), "namespace": .string(record.namespace)]
    if let l = record.labels { meta["labels"] = .object(l.mapValues { .string($0) }) }
    if let a = record.annotations { meta["annotations"] = .object(a.mapValues { .string($0) }) }
    let document: JSONValue = .object(["apiVersion": "v1", "kind": "Pod", "metadata": .object(meta), "spec": spec])
    let load = ManifestLoader.parse(text: document.canonicalString, file: "pod \(record.namespace)/\(record.name)")
    guard let object = load.objects.first, let pod = object.pod else { return "unknown" }
    let context = PodContext(object: object, pod: pod)
    for level in [PSSLevel.restricted, .baseline] {
      let results = PSSRegistry.evaluate(context, policy: PSSPolicy(level: level, version: .latest))
      if results.allSatisfy({ $0.violations.isEmpty }) { return level.rawValue }
    }
    return PSSLevel.privileged.rawValue
  }

  /// Label values in output order.
  static let levels = ["privileged", "baseline", "restricted", "unknown"]
}
