import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `garrison logs POD [-c C] [-f] [--previous]`.
struct LogsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a container's logs.")

  @OptionGroup var rootOption: RootOption
  @Option(name: [.short, .customLong("namespace")], help: "Namespace (default: default).") var namespace: String = "default"
  @Argument(help: "Pod name.") var pod: String
  @Option(name: [.short, .customLong("container")], help: "Container (default: the only app container).") var container: String?
  @Flag(name: [.short, .customLong("follow")], help: "Keep printing as the container writes.") var follow = false
  @Flag(name: [.short, .customLong("previous")], help: "The previous (restarted) run's logs.") var previous = false
  @Flag(help: "Keep the CRI prefix (time, stream, tag).") var raw = false

  func run() throws {
    try PodCLI.run {
      try KubernetesNames.checkNamespaceArgument(namespace)
      var pod = PodCLI.podName(self.pod)
      if let target = WorkloadKinds.split(self.pod) {
        // kubectl: a workload's logs are its first pod's.
        try KubernetesNames.checkPodNameArgument(target.name)
        let w = WorkloadManager(root: rootOption.path)
        guard let o = try w.store.object(namespace, target.kind, target.name) else { throw w.notFound(target.kind, namespace, target.name) }
        guard let first = try w.pods(of: o).first(where: { !WorkloadStore.terminating($0) }) ?? w.pods(of: o).first else {
          throw GarrisonError(.notFound, "\(o.displayName) has no pods")
        }
        pod = first.record.name
      }
      try KubernetesNames.checkPodNameArgument(pod)
      if let container { try KubernetesNames.checkContainerNameArgument(container) }
      let manager = rootOption.manager
      guard let v = try manager.view(namespace, pod) else {
        throw GarrisonError(.notFound, "pods \"\(pod)\" not found in namespace \(namespace)")
      }
      let apps = v.record.containers.filter { $0.role == .app }
      let name: String
      if let container {
        guard v.record.containers.contains(where: { $0.name == container }) else {
          throw GarrisonError(.notFound, "container \(container) is not valid for pod \(pod)")
        }
        name = container
      } else if apps.count == 1 {
        name = apps[0].name
      } else {
        throw GarrisonError(.usage, "a container name must be specified for pod \(pod), choose one of: \(v.record.containers.map(\.name))")
      }
      let restarts = v.status.container(name)?.restartCount ?? 0
      if previous && restarts == 0 {
        throw GarrisonError(.notFound, "previous terminated container \"\(name)\" in pod \"\(pod)\" not found")
      }
      let path = v.paths.log(name, restart: previous ? restarts - 1 : restarts)
      guard FileManager.default.fileExists(atPath: path) else {
        if follow && !previous { return try followLog(manager, v, name, path, offset: 0) }
        throw GarrisonError(.notFound, "container \"\(name)\" in pod \"\(pod)\" has no logs yet")
      }
      let data = FileManager.default.contents(atPath: path) ?? Data()
      emit(data)
      if follow && !previous { try followLog(manager, v, name, path, offset: data.count) }
    }
  }

  func emit(_ data: Data) {
    let text = String(decoding: data, as: UTF8.self)
    let out = raw ? text : CRILog.render(text)
    FileHandle.standardOutput.write(Data(out.utf8))
  }

  /// Polls the log file until the container is no longer running and nothing new arrives.
  func followLog(_ manager: PodManager, _ v: PodView, _ name: String, _ path: String, offset: Int) throws {
    var offset = offset
    var pending = Data()
    while true {
      if let h = FileHandle(forReadingAtPath: path) {
        h.seek(toFileOffset: UInt64(offset))
        let chunk = h.readDataToEndOfFile()
        h.closeFile()
        offset += chunk.count
        pending.append(chunk)
        if let last = pending.lastIndex(of: 10) {
          emit(pending[...last])
          pending = Data(pending[(last + 1)...])
        }
      }
      let now = try manager.view(v.record.namespace, v.record.name)
      let st = now?.status.container(name)
      let stillRunning = now != nil && now!.supervised && (st?.state.kind == .running || st?.state.kind == .waiting)
      if !stillRunning || (st?.restartCount ?? 0) != (v.status.container(name)?.restartCount ?? 0) {
        if !pending.isEmpty { emit(pending) }
        return
      }
      usleep(200_000)
    }
  }
}
