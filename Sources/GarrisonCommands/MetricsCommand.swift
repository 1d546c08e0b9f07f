import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonMetrics

/// `garrison metrics serve`: the Prometheus exporter.
struct MetricsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "metrics", abstract: "Export pod, container, node and security metrics for Prometheus.",
    subcommands: [MetricsServeCommand.self])
}

/// `garrison metrics serve [--listen 127.0.0.1:9464] [--root DIR]`.
struct MetricsServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve /metrics (Prometheus text or OpenMetrics, by Accept) and /healthz until SIGINT/SIGTERM.",
    discussion: """
      cAdvisor's container_* families from each running container's cgroup, kube-state-metrics' kube_pod_* \
      families from the pods' status, the node's allocatable against requested resources, and garrison_* \
      security families (seccomp denials, attestation read-backs, privileged and capability-adding containers, \
      exec and port-forward sessions) from the plans and the audit log. See docs/monitoring.md.
      Exit codes: 2 bad --listen, 4 the port is taken or the host's cgroups cannot be read.
      """)

  @OptionGroup var rootOption: RootOption
  @Option(help: "Address and port to listen on (default 127.0.0.1:9464; 0.0.0.0:9464 exposes it beyond this host).")
  var listen = "127.0.0.1:9464"

  func run() throws {
    try PodCLI.run {
      guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
        throw GarrisonError(.usage, "--listen: \(Quoted.quoted(listen)) is not HOST:PORT")
      }
      var host = String(listen[..<colon])
      if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
      guard !host.isEmpty else { throw GarrisonError(.usage, "--listen: \(Quoted.quoted(listen)) has no host") }
      // A parent may have left SIGINT/SIGTERM blocked (threads inherit the mask): unblock them before any thread.
      Kernel.unblockSignals([SIGINT, SIGTERM])
      let server = MetricsServer(host: host, port: port, collector: try MetricsCollector(root: rootOption.path))
      let bound = try server.start()
      FileHandle.standardOutput.write(Data("Serving metrics on http://\(listen.hasPrefix("[") ? "[\(host)]" : host):\(bound)/metrics\n".utf8))
      signal(SIGPIPE, SIG_IGN)
      // Nothing to flush: the exporter holds no state worth keeping.
      for s in [SIGINT, SIGTERM] { signal(s) { _ in Glibc._exit(0) } }
      try server.wait()
    }
  }
}
