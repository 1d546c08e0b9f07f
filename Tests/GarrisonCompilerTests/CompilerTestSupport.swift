import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPlan
@testable import GarrisonCompiler

/// Builds a one-pod manifest from fragments and compiles it.
enum Fixture {
  /// `podSC`: lines under spec.securityContext; `containerSC`: lines under the container's securityContext.
  static func pod(
    podSC: String = "", containerSC: String = "", containerExtra: String = "", specExtra: String = "",
    annotations: String = ""
  ) -> String {
    var s = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\n"
    if !annotations.isEmpty { s += "  annotations:\n" + indent(annotations, 4) }
    s += "spec:\n"
    if !specExtra.isEmpty { s += indent(specExtra, 2) }
    if !podSC.isEmpty { s += "  securityContext:\n" + indent(podSC, 4) }
    s += "  containers:\n  - name: c\n    image: busybox\n"
    if !containerExtra.isEmpty { s += indent(containerExtra, 4) }
    if !containerSC.isEmpty { s += "    securityContext:\n" + indent(containerSC, 6) }
    return s
  }

  static func indent(_ text: String, _ n: Int) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
      .map { String(repeating: " ", count: n) + $0 }.joined(separator: "\n") + "\n"
  }

  static func options(seccompDefault: Bool = false, imageUser: String? = nil) -> CompilerOptions {
    CompilerOptions(seccompDefault: seccompDefault, imageUser: { _ in imageUser }, bpfCacheDirectory: testBPFCache)
  }

  static func object(_ yaml: String) throws -> ManifestObject {
    let r = ManifestLoader.parse(text: yaml, file: "t.yaml")
    if let e = r.errors.first { throw e }
    guard let o = r.objects.first else { throw GarrisonError(.invalid, "no object") }
    return o
  }

  static func compile(_ yaml: String, options: CompilerOptions = Fixture.options()) throws -> [CompiledContainer] {
    try PolicyCompiler(options: options).compile(try object(yaml))
  }

  /// A per-run BPF cache under /var/tmp (the cache refuses shared directories).
  static let testBPFCache = "/var/tmp/garrison-test-bpf-cache-\(geteuid())"

  static func plan(_ yaml: String, options: CompilerOptions = Fixture.options()) throws -> EnforcementPlan {
    guard let c = try compile(yaml, options: options).first else { throw GarrisonError(.invalid, "no container") }
    return c.plan
  }
}

extension CapabilitySet {
  init(names: [String]) { self.init(names.map { Capability(name: $0)! }) }
}
