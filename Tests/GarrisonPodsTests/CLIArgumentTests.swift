import Foundation
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing

/// Issue 13: namespaces and pod names from the command line go through Kubernetes' name rules before anything
/// is touched; `-n ../..` used to write pod state outside the state root. No root needed: every command here
/// stops at the argument check.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: Host.garrison), "the garrison executable is not built"))
struct CLIArgumentTests {
  static let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n"

  @Test(arguments: [
    ["apply", "-n", "../..", "-f", "MANIFEST"],
    ["apply", "--namespace", "a/b", "-f", "MANIFEST"],
    ["get", "pods", "-n", "../.."],
    ["get", "pods", "p", "--namespace", "UPPER"],
    ["get", "pods", "../../x"],
    ["describe", "pod", "p", "-n", "../.."],
    ["describe", "pod", "../p"],
    ["logs", "p", "-n", "../.."],
    ["logs", "../p"],
    ["logs", "p", "-c", "../c"],
    ["delete", "pod", "p", "-n", "../.."],
    ["delete", "pod", "a", "../../b"],
    ["delete", "-n", "x/y", "-f", "MANIFEST"],
    ["supervise", "--namespace", "../..", "--name", "p"],
    ["top", "pods", "-n", "../.."],
    ["top", "pods", "pod/../../x"],
  ])
  func invalidNamesExitTwoAndTouchNothing(args: [String]) throws {
    let dir = "/var/tmp/garrison-cli-args-\(UInt32.random(in: 0..<UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let manifest = dir + "/pod.yaml"
    try Self.pod.write(toFile: manifest, atomically: true, encoding: .utf8)
    let root = dir + "/state/root"
    let argv = args.map { $0 == "MANIFEST" ? manifest : $0 }
    let r = try Spawn.run([Host.garrison] + argv + ["--root", root])
    #expect(r.status == .exited(2), "\(argv): \(r.output)")
    #expect(r.output.contains("Invalid value"), "\(argv): \(r.output)")
    // Nothing was created: not the state root, nor anything beside the manifest in the scratch directory.
    #expect(!FileManager.default.fileExists(atPath: dir + "/state"), "\(argv) created state")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["pod.yaml"])
  }

  /// Valid names still reach the command: a namespace label, a pod name with dots (a subdomain).
  @Test(arguments: [(["get", "pods", "-n", "kube-system"], Int32(0)), (["get", "pods", "my.pod-1", "-n", "team-a"], Int32(2))])
  func validNamesPassTheCheck(args: [String], code: Int32) throws {
    let dir = "/var/tmp/garrison-cli-args-\(UInt32.random(in: 0..<UInt32.max))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try Spawn.run([Host.garrison] + args + ["--root", dir + "/state"])
    #expect(r.status == .exited(code), "\(args): \(r.output)")
    #expect(!r.output.contains("Invalid value"), "\(args): \(r.output)")
  }

  /// The hostile manifests through `garrison apply`: exit 2 naming the field, before anything exists
  /// under the state root.
  @Test(arguments: [
    ("volumes: [{name: v, secret: {secretName: ../../victim/secret/dbpass}}]", "", "spec.volumes[0].secret.secretName"),
    ("hostname: -F/some/host/file", "", "spec.hostname"),
    ("volumes: [{name: v, configMap: {name: c, defaultMode: -1}}]", "", "spec.volumes[0].configMap.defaultMode"),
    ("volumes: [{name: v, secret: {secretName: s, defaultMode: 04755}}]", "", "spec.volumes[0].secret.defaultMode"),
    ("", "resources: {limits: {cpu: \"-1\"}}", "spec.containers[0].resources.limits[cpu]"),
    ("", "args: [\"ok\\0; rm -rf /\"]", "spec.containers[0].args[0]"),
  ])
  func hostileManifestsExitTwoAtApply(spec: String, container: String, field: String) throws {
    let dir = "/var/tmp/garrison-cli-args-\(UInt32.random(in: 0..<UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n"
    if !container.isEmpty { yaml += "    \(container)\n" }
    if !spec.isEmpty { yaml += "  \(spec)\n" }
    try yaml.write(toFile: dir + "/pod.yaml", atomically: true, encoding: .utf8)
    let r = try Spawn.run([Host.garrison, "apply", "-f", dir + "/pod.yaml", "--root", dir + "/state"])
    #expect(r.status == .exited(2), "\(r.output)")
    #expect(r.output.contains("pod.yaml:") && r.output.contains(field), "\(r.output)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/state"))
  }
}
