import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonPlan
import GarrisonManifest
import GarrisonPods
import GarrisonCompiler
import GarrisonSeccomp

/// `garrison apply -f FILE|DIR|-`: stores ConfigMaps and Secrets, runs Pods (each under its own supervisor).
struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Run the Pods, Deployments, ReplicaSets and Jobs (and store the ConfigMaps and Secrets) of manifest files.",
    discussion: """
      Every container is compiled into an enforcement plan and run through an OCI runtime (--runtime; default
      garrison-oci beside garrison, else crun). Deployments, ReplicaSets and Jobs each get a controller process
      that keeps their pods (docs/workloads.md); StatefulSet, DaemonSet, CronJob, ReplicationController and
      PodTemplate are refused. Pods are immutable: applying a changed spec to an existing pod is refused.
      With --wait, apply returns once every pod it applied is Running (each app and sidecar container running;
      readiness probes are not awaited) or Succeeded; a pod that fails, loses its supervisor or is deleted meanwhile
      ends the wait with exit code 4, and --timeout passing first with exit code 5.
      Exit codes: 0 ok, 2 bad input, 3 refused (policy, fit check, unsupported), 4 system error, 5 timed out (--wait).
      """)

  @OptionGroup var rootOption: RootOption
  @Option(name: [.short, .customLong("filename")], help: "Manifest file or directory; - reads standard input.")
  var files: [String] = []
  @Option(name: [.short, .customLong("namespace")], help: "Namespace for objects that name none.")
  var namespace: String?
  @Option(help: "OCI runtime binary (runc command line).") var runtime: String?
  @Option(help: "Root filesystem directory used for every container (instead of imported images).") var rootfs: String?
  @Option(help: "Pod network: bridge or none.") var network: String = "bridge"
  @Option(help: "Host bridge for pod veths.") var bridge: String = "garrison0"
  @Option(help: "Pod CIDR (the bridge takes the first address).") var podCidr: String = "10.88.0.0/16"
  @Option(help: "Restart backoff base in seconds (doubles to 300s).") var backoffBase: Double = 10
  @Flag(inversion: .prefixedNo, help: "An unset seccompProfile means RuntimeDefault.") var seccompDefault = true
  @Option(help: "The Policies/ directory.") var policies: String?
  @Flag(
    help:
      "Wait until every pod is Running (every app container running) or Succeeded, every Deployment and ReplicaSet has its replicas ready, every Job has finished."
  )
  var wait = false
  @Option(help: "Seconds to wait with --wait.") var timeout: Double = 60

  func run() throws {
    try PodCLI.run {
      guard !files.isEmpty else { throw GarrisonError(.usage, "-f FILE is required") }
      if let namespace { try KubernetesNames.checkNamespaceArgument(namespace) }
      guard let networkMode = PodNetworkMode(rawValue: network), networkMode != .host else {
        throw GarrisonError(.usage, "--network must be bridge or none")
      }
      try NetworkConfig.validateBridge(bridge)
      _ = try CIDR(podCidr)
      let result = ManifestLoader.load(paths: files)
      for w in result.warnings { Diagnostics.print(w, severity: "warning") }
      for e in result.errors { Diagnostics.print(e, severity: "error") }
      // apply runs what it reads: a kind it cannot run is refused, as before any object is applied.
      for k in result.skipped {
        Diagnostics.print(
          GarrisonError(
            .invalid, "unknown kind \"\(k.kind)\" (apiVersion \"\(k.apiVersion)\"): garrison apply runs Pods, ConfigMaps and Secrets",
            field: FieldPath("kind"), at: k.location), severity: "error")
      }
      if !result.errors.isEmpty || !result.skipped.isEmpty { throw ExitCode(ExitCodes.badInput) }
      var objects = result.objects
      if let namespace {
        for i in objects.indices {
          if let ns = objects[i].metadata.namespace, ns != namespace {
            throw GarrisonError(
              .invalid, "the namespace from the provided object \"\(ns)\" does not match the namespace \"\(namespace)\"",
              at: objects[i].location)
          }
          objects[i].metadata.namespace = namespace
        }
      }
      let runtimePath = try RuntimeLocator.locate(runtime)
      try HostSetup.prepare(runtime: runtimePath)
      func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p }
      // What a workload controller needs to build its pods as this apply would (stored with the workload).
      let runConfig = WorkloadRunConfig(
        runtimePath: absolute(runtimePath), rootfs: rootfs.map(absolute),
        network: NetworkConfig(mode: networkMode, bridge: bridge, cidr: podCidr),
        backoffBase: backoffBase, seccompDefault: seccompDefault, policies: policies.map(absolute),
        executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
      let options = try ApplyOptionsFactory.make(runConfig, root: rootOption.path)
      let manager = rootOption.manager
      let workloads = WorkloadManager(root: rootOption.path)
      let store = ObjectStore(root: rootOption.path)
      // ConfigMaps and Secrets first, so pods in the same apply can mount them.
      for o in objects where o.kind == "ConfigMap" || o.kind == "Secret" {
        let outcome = try store.save(o)
        print("\(o.kind.lowercased())/\(o.name) \(outcome)")
      }
      var failure: GarrisonError?
      var applied: [(String, String)] = []
      var started: [(String, String)] = []
      // The pods in one batch (built, reserved under one root lock, audited in one commit); their supervisors
      // start in parallel, each awaited below.
      let pods = objects.filter { o in
        if o.kind == "ConfigMap" || o.kind == "Secret" || WorkloadKind.controlled.contains(o.kind) { return false }
        if o.kind == "Namespace" {
          print("namespace/\(o.name) unchanged (namespaces exist implicitly)")
          return false
        }
        return true
      }
      // The supervisors this apply starts wake it through a socket each (no inotify instance for them).
      let wakes = PodWakes()
      for (o, result) in zip(pods, manager.apply(pods, options: options, wakes: wakes)) {
        do {
          let outcome = try result.get()
          print("pod/\(o.name) \(outcome)")
          if outcome == "created" { started.append((o.namespace, o.name)) }
          applied.append((o.namespace, o.name))
        } catch var e as GarrisonError {
          if e.location == nil { e.location = o.location }
          Diagnostics.print(e, severity: "error", object: o.reference)
          if failure == nil || e.exitCode > failure!.exitCode { failure = e }
        }
      }
      // Workloads after pods and objects: their controllers start their pods.
      var appliedWorkloads: [ManifestObject] = []
      for o in objects where WorkloadKind.controlled.contains(o.kind) {
        do {
          let outcome = try workloads.apply(o, run: runConfig, options: options)
          print("\(WorkloadKinds.resource(o.kind))/\(o.name) \(outcome)")
          appliedWorkloads.append(o)
        } catch var e as GarrisonError {
          if e.location == nil { e.location = o.location }
          Diagnostics.print(e, severity: "error", object: o.reference)
          if failure == nil || e.exitCode > failure!.exitCode { failure = e }
        }
      }
      // Pods without a wake-up socket (already there, or none could be made) share one inotify instance for every
      // wait of this apply: closing one that has watches waits for the kernel to destroy them (an SRCU grace
      // period, 5-15 ms), which a second instance would add between the spawn and Running, and apply's exit pays.
      // Without an instance each wait makes its own (and falls back as it does alone).
      let unwoken = (started + (wait ? applied : [])).contains { wakes[manager.paths($0.0, $0.1).directory] == nil }
      let events = unwoken ? (try? FileEvents()) : nil
      for (ns, name) in started {
        do {
          try manager.awaitSupervisor(ns, name, events: events, wakes: wakes)
        } catch let e as GarrisonError {
          Diagnostics.print(e, severity: "error", object: "Pod/\(ns)/\(name)")
          if failure == nil || e.exitCode > failure!.exitCode { failure = e }
        }
      }
      if wait {
        // Every pod of this apply Running (each app and sidecar container running) or Succeeded, woken by the supervisors' sockets (inotify for pods it did not start).
        do {
          try manager.waitRunning(applied.map { (namespace: $0.0, name: $0.1) }, timeout: timeout, events: events, wakes: wakes)
        } catch let e as GarrisonError {
          Diagnostics.print(e, severity: "error")
          if failure == nil || e.exitCode > failure!.exitCode { failure = e }
        }
      }
      if wait {
        for o in appliedWorkloads { try workloads.wait(o.kind, o.namespace, o.name, timeout: timeout) }
      }
      if let failure { throw ExitCode(failure.exitCode) }
    }
  }
}

/// Host preparation a runtime needs before its first container.
enum HostSetup {
  /// crun on a hybrid cgroup host wants the hugetlb controller mounted as a v1 hierarchy.
  static func prepare(runtime: String) throws {
    guard (runtime as NSString).lastPathComponent.hasPrefix("crun") else { return }
    let fm = FileManager.default
    guard fm.fileExists(atPath: "/sys/fs/cgroup/unified"), !fm.fileExists(atPath: "/sys/fs/cgroup/hugetlb/tasks") else { return }
    guard fm.fileExists(atPath: "/proc/self/ns/mnt") else { return }
    if !fm.fileExists(atPath: "/sys/fs/cgroup/hugetlb") {
      guard mkdir("/sys/fs/cgroup/hugetlb", 0o755) == 0 else {
        throw GarrisonError(.system, operation: "mkdir", "crun needs /sys/fs/cgroup/hugetlb on this hybrid cgroup host", errno: errno)
      }
    }
    do { try Kernel.mount(source: "cgroup", target: "/sys/fs/cgroup/hugetlb", type: "cgroup", flags: 0, data: "hugetlb") } catch {
      throw GarrisonError(
        .system, operation: "mount", "crun needs the hugetlb cgroup controller mounted at /sys/fs/cgroup/hugetlb",
        errno: error.rawValue)
    }
    FileHandle.standardError.write(
      Data("garrison: mounted the hugetlb cgroup controller at /sys/fs/cgroup/hugetlb (crun needs it on this hybrid cgroup host)\n".utf8))
  }
}
