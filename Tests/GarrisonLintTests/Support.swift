import Foundation
import GarrisonCore
import GarrisonManifest
import Testing

@testable import GarrisonLint

/// Paths and loaders shared by the lint tests.
enum Support {
  /// The copied `Fixtures` directory.
  static var fixtures: String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path
  }

  /// The repository root (three levels above this file).
  static var repoRoot: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
  }

  /// The rule catalog from the repository's Policies/lint.
  static func catalog() throws -> RuleCatalog {
    try RuleCatalog.load(directory: repoRoot + "/Policies/lint")
  }

  static func read(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
  }

  /// Loads YAML text and requires it to give objects without errors.
  static func objects(_ yaml: String, file: String = "test.yaml") -> [ManifestObject] {
    let r = ManifestLoader.parse(text: yaml, file: file)
    #expect(r.errors.isEmpty, "load errors: \(r.errors)")
    return r.objects
  }

  /// The one pod of YAML text, as a check context.
  static func pod(_ yaml: String, file: String = "test.yaml") throws -> PodContext {
    let objs = objects(yaml, file: file)
    let o = try #require(objs.first { $0.pod != nil })
    return PodContext(object: o, pod: o.pod!)
  }

  /// A restricted-compliant pod with `extraSpec` lines added under spec (2-space indented) and
  /// `containerSC` lines added to the app container's securityContext.
  static func podYAML(
    name: String = "p", namespace: String? = nil, annotations: [String: String] = [:], spec: String = "",
    container: String = "", containerSC: String = "", image: String = "registry.example/app:1.0@sha256:0123456789abcdef"
  ) -> String {
    var y = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \(name)\n"
    if let namespace { y += "  namespace: \(namespace)\n" }
    if !annotations.isEmpty {
      y += "  annotations:\n"
      for (k, v) in annotations.sorted(by: { $0.key < $1.key }) { y += "    \(k): \"\(v)\"\n" }
    }
    y += "spec:\n"
    y += "  securityContext:\n    runAsNonRoot: true\n    seccompProfile: {type: RuntimeDefault}\n"
    if !spec.isEmpty { y += spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n" }
    y += "  containers:\n  - name: app\n    image: \(image)\n"
    if !container.isEmpty { y += container.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n" }
    y += "    securityContext:\n      allowPrivilegeEscalation: false\n"
    // YAML keys must be unique: the caller's capabilities replace the default drop-ALL.
    if !containerSC.contains("capabilities:") { y += "      capabilities: {drop: [ALL]}\n" }
    if !containerSC.isEmpty { y += containerSC.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") + "\n" }
    return y
  }
}
