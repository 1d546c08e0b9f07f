import ArgumentParser
import Foundation
import GarrisonAdmission
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonLint
import GarrisonManifest
import GarrisonPods

/// `garrison admission serve`: Pod Security admission as a Kubernetes ValidatingAdmissionWebhook.
struct AdmissionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "admission", abstract: "Run garrison lint's Pod Security checks as a validating admission webhook.",
    subcommands: [AdmissionServeCommand.self])
}

struct AdmissionServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve", abstract: "Serve admission.k8s.io/v1 AdmissionReviews over HTTPS.",
    discussion: """
      POST /validate (or /) answers an AdmissionReview; GET /healthz answers ok. Modes as Pod Security Admission:
      enforce denies Pods (create, update, ephemeral containers) that violate the namespace's enforce policy;
      warn adds warnings; audit adds audit annotations; pod templates of workloads are warned about, not denied.
      Namespace labels (pod-security.kubernetes.io/<mode>[-version]) come from --namespaces and from the Namespace
      objects the webhook reviews. Every decision is an admission.decision audit event. The certificate and key
      are read again when they change. Exit 3: the certificate cannot be used; 4: the address is taken.
      """)

  @OptionGroup var rootOption: RootOption
  @Option(help: "Address and port to listen on (default 127.0.0.1:8443; give 0.0.0.0:8443 for a cluster).") var listen = "127.0.0.1:8443"
  @Option(help: "PEM certificate chain.") var cert: String
  @Option(help: "PEM private key.") var key: String
  @Option(help: "Default enforce policy, LEVEL[:VERSION] (default privileged:latest, as Pod Security Admission).") var enforce =
    "privileged:latest"
  @Option(help: "Default warn policy (default: the enforce policy).") var warn: String?
  @Option(help: "Default audit policy (default: the enforce policy).") var audit: String?
  @Option(name: .customLong("exempt-user"), help: "A username never checked (repeatable).") var exemptUsers: [String] = []
  @Option(name: .customLong("exempt-namespace"), help: "A namespace never checked (repeatable).") var exemptNamespaces: [String] = []
  @Option(name: .customLong("exempt-runtime-class"), help: "A runtime class never checked (repeatable).") var exemptRuntimeClasses:
    [String] = []
  @Option(help: "YAML or JSON file of Namespace objects whose pod-security labels apply.") var namespaces: String?
  @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted (default 3 MiB); larger ones get 400.")
  var maxBodyBytes = 3 << 20

  static func policy(_ text: String, option: String) throws -> PSSPolicy {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    guard let level = parts.first.flatMap(PSSLevel.init(rawValue:)),
      let version = parts.count == 2 ? PSSVersion(parsing: parts[1]) : .latest
    else {
      throw GarrisonError(
        .usage, "--\(option): \(Quoted.quoted(text)) is not LEVEL[:VERSION] (privileged, baseline, restricted; latest or v1.N)")
    }
    return PSSPolicy(level: level, version: version)
  }

  func run() throws {
    try PodCLI.run {
      let enforcePolicy = try Self.policy(enforce, option: "enforce")
      let modes = AdmissionController.Modes(
        enforce: enforcePolicy, warn: try warn.map { try Self.policy($0, option: "warn") } ?? enforcePolicy,
        audit: try audit.map { try Self.policy($0, option: "audit") } ?? enforcePolicy)
      var known: [ManifestObject] = []
      if let namespaces {
        let load = ManifestLoader.load(paths: [namespaces])
        if let e = load.errors.first { throw e }
        known = load.objects
      }
      guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
        throw GarrisonError(.usage, "--listen: \(Quoted.quoted(listen)) is not HOST:PORT")
      }
      let host = String(listen[..<colon])
      let controller = AdmissionController(
        defaults: modes,
        exemptions: .init(usernames: Set(exemptUsers), namespaces: Set(exemptNamespaces), runtimeClasses: Set(exemptRuntimeClasses)),
        namespaces: known)
      // A parent may have left SIGINT/SIGTERM blocked (threads inherit the mask): unblock them before any thread.
      Kernel.unblockSignals([SIGINT, SIGTERM])
      let log = try AuditLog(directory: AuditPaths.directory(root: rootOption.path))
      let server = try AdmissionServer(
        configuration: .init(host: host, port: port, certificatePath: cert, keyPath: key, maxBodyBytes: maxBodyBytes),
        controller: controller
      ) { request, decision in
        let object = AuditObject(namespace: request.namespace, pod: request.name)
        _ = try log.append(
          AuditEvent(
            kind: .admissionDecision, outcome: decision.allowed ? .allowed : .denied, object: object,
            details: AuditDetails.admissionDecision(
              uid: request.uid, kind: request.kind, operation: request.operation, user: request.username,
              allowed: decision.allowed, enforcePolicy: decision.auditAnnotations["enforce-policy"],
              violations: decision.violations, warnings: decision.warnings.count, exemptReason: decision.exemptReason)))
      }
      let bound = try server.start()
      FileHandle.standardOutput.write(Data("Serving admission reviews on https://\(host):\(bound)\n".utf8))
      signal(SIGPIPE, SIG_IGN)
      // Every decision was made durable before it was answered: stop at once (exit() from a handler could deadlock).
      for s in [SIGINT, SIGTERM] { signal(s) { _ in Glibc._exit(0) } }
      try server.wait()
    }
  }
}
