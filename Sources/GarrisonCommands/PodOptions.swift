import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `--root` (state root; default `$GARRISON_ROOT` or /var/lib/garrison), shared by every pod command.
struct RootOption: ParsableArguments {
  @Option(help: "State root (default: $GARRISON_ROOT or /var/lib/garrison).")
  var root: String?

  var path: String { PodPaths.stateRoot(root) }
  var manager: PodManager { PodManager(root: path) }
}

/// `-n NAMESPACE` / `-A`.
struct NamespaceOption: ParsableArguments {
  @Option(name: [.short, .customLong("namespace")], help: "Namespace (default: default).")
  var namespace: String?

  @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "All namespaces.")
  var allNamespaces = false

  /// nil: all namespaces.
  var selected: String? { allNamespaces ? nil : (namespace ?? "default") }
  var single: String { namespace ?? "default" }

  /// Refuses a namespace that is not an RFC 1123 label (usage error, exit 2), before anything is touched.
  func check() throws {
    if let namespace { try KubernetesNames.checkNamespaceArgument(namespace) }
  }
}

/// Runs a pod command body, printing GarrisonErrors as diagnostics and mapping them to exit codes.
enum PodCLI {
  static func run(_ body: () throws -> Void) throws {
    do {
      try body()
    } catch let e as GarrisonError {
      Diagnostics.print(e, severity: "error")
      throw ExitCode(e.exitCode)
    }
  }

  /// A pod named as kubectl accepts it: `NAME`, `pod/NAME` or `pods/NAME`.
  static func podName(_ argument: String) -> String { KubernetesNames.podName(argument: argument) }

  static func fail(_ code: GarrisonError.Code, _ message: String) -> GarrisonError { GarrisonError(code, message) }

  /// Seconds since `date`, Kubernetes-style (`5s`, `3m`, `2h`, `4d`).
  /// kubectl's AGE: apimachinery's HumanDuration of the time since `date`.
  static func age(_ date: Date?) -> String {
    guard let date else { return "<unknown>" }
    return KubectlPodColumns.humanDuration(Date().timeIntervalSince(date))
  }

  static func table(_ rows: [[String]]) -> String {
    guard let first = rows.first else { return "" }
    var widths = [Int](repeating: 0, count: first.count)
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    return rows.map { r in
      r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0) }.joined()
    }.joined(separator: "\n") + "\n"
  }
}
