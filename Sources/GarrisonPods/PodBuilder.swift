import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonOCI
import GarrisonCompiler
import GarrisonKernel
import GarrisonLSMHost
import GarrisonPlan

/// Where container root filesystems and image defaults (Entrypoint, Cmd, Env, WorkingDir) come from.
public protocol ImageResolver: Sendable {
  /// Lower directories (topmost first) and the image's process defaults for `image`.
  func resolve(image: String, field: String) throws -> ResolvedImage
}

/// An image as the pod runner uses it.
public struct ResolvedImage: Sendable, Equatable {
  public var lowerdirs: [String]
  public var entrypoint: [String]?
  public var cmd: [String]?
  public var env: [String]
  public var workingDir: String?
  /// The image's `User`, if any.
  public var user: String?
  /// Kubernetes' `imageID` for it (the stored manifest's digest); nil for a plain directory.
  public var id: String?
  public init(
    lowerdirs: [String], entrypoint: [String]? = nil, cmd: [String]? = nil, env: [String] = [], workingDir: String? = nil,
    user: String? = nil
  ) {
    self.user = user
    self.lowerdirs = lowerdirs
    self.entrypoint = entrypoint
    self.cmd = cmd
    self.env = env
    self.workingDir = workingDir
  }
}

/// `--rootfs DIR`: every container's image is this one directory (tests, or before images are imported).
public struct DirectoryImageResolver: ImageResolver {
  public let directory: String
  public init(directory: String) { self.directory = directory }
  public func resolve(image: String, field: String) throws -> ResolvedImage {
    guard FS.followType(directory) == S_IFDIR else {
      throw GarrisonError(.notFound, "--rootfs \(directory) is not a directory", field: FieldPath(field))
    }
    return ResolvedImage(lowerdirs: [directory])
  }
}

/// The operator's choices for `apply`.
public struct ApplyOptions: Sendable {
  public var runtimePath: String
  public var images: any ImageResolver
  public var network: NetworkConfig
  public var backoff: BackoffPolicy
  public var compiler: CompilerOptions
  /// The garrison executable that runs `supervise`.
  public var supervisorExecutable: String
  /// Skip the resource fit check (never by default).
  public var skipFitCheck = false
  /// The host's LSMs (the caller's one probe, `HostLSM.current`): which labels the compiler keeps, whether the
  /// RuntimeDefault AppArmor profile is loaded before first use.
  public var host: HostLSM

  public init(
    runtimePath: String, images: any ImageResolver, host: HostLSM, network: NetworkConfig = NetworkConfig(mode: .bridge),
    backoff: BackoffPolicy = BackoffPolicy(), compiler: CompilerOptions = CompilerOptions(),
    supervisorExecutable: String
  ) {
    self.host = host
    self.runtimePath = runtimePath
    self.images = images
    self.network = network
    self.backoff = backoff
    self.compiler = compiler
    self.supervisorExecutable = supervisorExecutable
  }
}

/// Builds a `PodRecord` from a Pod object: compiles every container, resolves images, volumes and the
/// process arguments, and validates volume mounts statically (subPath syntax, hostPath types).
public struct PodBuilder {
  public let root: String
  public let options: ApplyOptions

  public init(root: String, options: ApplyOptions) {
    self.root = root
    self.options = options
  }

  /// The compiler's options with this store as the scope of derived pod UIDs: the store's root directory by
  /// identity (device and inode, whatever path names it), so two stores on one host never derive one cgroup path
  /// for the same namespace/name, and one store always derives the same UID (an unchanged re-apply stays unchanged).
  var compilerOptions: CompilerOptions {
    var o = options.compiler
    if o.podUIDScope == nil, let st = try? FileStatus.of(root) { o.podUIDScope = "store \(st.device):\(st.inode)" }
    return o
  }

  public func build(_ object: ManifestObject) throws -> PodRecord {
    guard let pod = object.pod, object.kind == "Pod" else {
      throw GarrisonError(
        .refused,
        "\(object.kind) is not supported by garrison apply: it runs Pods, Deployments, ReplicaSets and Jobs (see docs/workloads.md)",
        field: FieldPath("kind"), at: object.location)
    }
    guard let name = object.metadata.name else {
      throw GarrisonError(
        .invalid, "Required value: metadata.name (generateName is not supported)", field: FieldPath("metadata.name"), at: object.location)
    }
    let spec = pod.spec
    if !spec.ephemeralContainers.isEmpty {
      throw GarrisonError(
        .refused, "ephemeralContainers cannot be created by apply", field: FieldPath("spec.ephemeralContainers"), at: object.location)
    }
    let compiled = try PolicyCompiler(options: compilerOptions).compile(object)
    let uid = compiled.first?.plan.pod.uid ?? UUID().uuidString.lowercased()
    let volumes = try buildVolumes(object, spec: spec)
    var containers: [ContainerRecord] = []
    for cc in compiled where cc.plan.container.role != .ephemeral {
      let c = (spec.initContainers + spec.containers).first { $0.name == cc.plan.container.name }!
      let field = cc.containerPath.description
      let image = try options.images.resolve(image: c.image ?? "", field: field + ".image")
      var spec = try OCIConfigBuilder.build(cc.plan, rootfs: "rootfs", args: Self.args(c, image), host: options.host)
      if var p = spec.process {
        if !image.env.isEmpty {
          // Image env first, then the manifest's (later entries win in execve lookups by most shells; replace by key).
          var env = image.env
          for e in p.env ?? [] {
            let key = e.split(separator: "=", maxSplits: 1).first.map(String.init) ?? e
            env.removeAll { $0.hasPrefix(key + "=") }
            env.append(e)
          }
          p.env = env
        }
        if c.workingDir == nil, let wd = image.workingDir, !wd.isEmpty { p.cwd = wd }
        // A user the compiler could not make numeric comes from the image: resolve it in the image's files.
        let u = cc.plan.process.user
        if !u.uidKnown, let name = u.imageUser ?? image.user, !name.isEmpty {
          let (uid, gid) = try ImageUser.resolve(name, lowerdirs: image.lowerdirs, field: field + ".image")
          if u.runAsNonRoot && uid == 0 {
            throw GarrisonError(
              .refused, "image \(c.image ?? "") runs as root (User \(name)) and runAsNonRoot is set",
              field: FieldPath(field + ".securityContext.runAsNonRoot"))
          }
          p.user.uid = uid
          if u.primaryGroupFromImage, let gid { p.user.gid = gid }
        }
        spec.process = p
      }
      var mounts: [MountRecord] = []
      for (j, m) in c.volumeMounts.enumerated() {
        let mf = "\(field).volumeMounts[\(j)]"
        if m.subPathExpr != nil {
          throw GarrisonError(
            .refused, "subPathExpr is not supported", field: FieldPath(mf + ".subPathExpr"), at: object.location(of: FieldPath(mf)))
        }
        if let sub = m.subPath, !sub.isEmpty {
          do { try SubPath.validate(sub, field: mf + ".subPath") } catch var e as GarrisonError {
            e.location = object.location(of: FieldPath(mf))
            throw e
          }
          // hostPath contents exist now: refuse an escaping subPath at apply time (it is checked again at start).
          if let v = volumes.first(where: { $0.name == m.name }), v.kind == .hostPath, let hp = v.hostPath,
            FS.followType(hp) == S_IFDIR
          {
            do {
              let fd = try SubPath.open(volumeRoot: hp, subPath: sub, field: mf + ".subPath", create: false)
              close(fd)
            } catch var e as GarrisonError where e.code == .refused {
              e.location = object.location(of: FieldPath(mf))
              throw e
            } catch {}
          }
        }
        guard m.mountPath.hasPrefix("/") else {
          throw GarrisonError(.invalid, "Invalid value: \"\(m.mountPath)\": must be an absolute path", field: FieldPath(mf + ".mountPath"))
        }
        let v = volumes.first { $0.name == m.name }
        let forcedRO = v?.kind == .configMap || v?.kind == .secret
        mounts.append(MountRecord(volume: m.name, mountPath: m.mountPath, subPath: m.subPath, readOnly: m.readOnly || forcedRO, field: mf))
      }
      var record = ContainerRecord(
        name: c.name, role: cc.plan.container.role, image: c.image ?? "", spec: spec,
        rootfs: RootfsSource(lowerdirs: image.lowerdirs), volumeMounts: mounts, planDigest: cc.plan.digest ?? "",
        appArmorExplicit: cc.plan.appArmor.explicit, seLinuxExplicit: cc.plan.seLinux.explicit,
        seccompProfile: cc.plan.seccomp.mode == .unconfined ? nil : (cc.plan.seccomp.profile ?? cc.plan.seccomp.mode.rawValue),
        privileged: cc.plan.privileged,
        resources: ContainerResources(
          cpuRequestMillis: (c.resources.requests["cpu"] ?? c.resources.limits["cpu"])?.milliValue,
          memoryRequestBytes: (c.resources.requests["memory"] ?? c.resources.limits["memory"])?.value,
          cpuLimitMillis: c.resources.limits["cpu"]?.milliValue, memoryLimitBytes: c.resources.limits["memory"]?.value))
      record.imageID = image.id
      record.probes = try ContainerProbes.build(c, field: field)
      containers.append(record)
    }
    var network = options.network
    if spec.hostNetwork == true { network.mode = .host }
    let fsGroup = try spec.securityContext?.fsGroup.map { g -> UInt32 in
      guard g >= 0 && g <= Int64(UInt32.max - 1) else {
        throw GarrisonError(.invalid, "Invalid value: \(g)", field: FieldPath("spec.securityContext.fsGroup"))
      }
      return UInt32(g)
    }
    var record = PodRecord(
      namespace: object.namespace, name: name, uid: uid, restartPolicy: spec.restartPolicy ?? "Always",
      containers: containers, volumes: volumes, network: network,
      namespaces: SandboxNamespaces(
        hostNetwork: spec.hostNetwork == true, hostIPC: spec.hostIPC == true,
        hostPID: spec.hostPID == true, sharePID: spec.shareProcessNamespace == true),
      runtime: RuntimeConfig(path: options.runtimePath, root: PodPaths.runtimeRoot(root)), backoff: options.backoff,
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30, requests: FitCheck.requests(spec),
      fsGroup: fsGroup, hostname: spec.hostname ?? name, labels: object.metadata.labels.isEmpty ? nil : object.metadata.labels)
    record.annotations = object.metadata.annotations
    record.specJSON = pod.specJSON
    record.qosClass = QoSClass.of(spec).rawValue
    record.nodeName = ProcessInfo.processInfo.hostName
    return record
  }

  /// Kubernetes' rule: `command` replaces Entrypoint (and drops Cmd), `args` replaces Cmd.
  static func args(_ c: Container, _ image: ResolvedImage) -> [String]? {
    if let command = c.command { return command + (c.args ?? []) }
    let entry = image.entrypoint ?? []
    let cmd = c.args ?? image.cmd ?? []
    let all = entry + cmd
    return all.isEmpty ? nil : all
  }

  func buildVolumes(_ object: ManifestObject, spec: PodSpec) throws -> [VolumeRecord] {
    let store = ObjectStore(root: root)
    var out: [VolumeRecord] = []
    for (i, v) in spec.volumes.enumerated() {
      let field = "spec.volumes[\(i)]"
      let loc = object.location(of: FieldPath(field))
      switch v.sourceType {
      case "emptyDir":
        var r = VolumeRecord(name: v.name, kind: .emptyDir, field: field)
        r.memory = v.emptyDir?.medium == "Memory"
        if let m = v.emptyDir?.medium, m != "" && m != "Memory" {
          throw GarrisonError(.invalid, "Unsupported value: \"\(m)\"", field: FieldPath(field + ".emptyDir.medium"), at: loc)
        }
        r.sizeLimitBytes = v.emptyDir?.sizeLimit?.value
        out.append(r)
      case "hostPath":
        var r = VolumeRecord(name: v.name, kind: .hostPath, field: field)
        r.hostPath = v.hostPath?.path
        r.hostPathType = v.hostPath?.type ?? ""
        do {
          _ = try HostPathCheck.check(path: r.hostPath ?? "", type: r.hostPathType ?? "", field: field + ".hostPath")
        } catch var e as GarrisonError {
          e.location = loc
          throw e
        }
        out.append(r)
      case "configMap", "secret":
        let kind = v.sourceType == "configMap" ? "ConfigMap" : "Secret"
        guard let src = v.configMap ?? v.secret else { continue }
        var r = VolumeRecord(name: v.name, kind: v.sourceType == "configMap" ? .configMap : .secret, field: field)
        let stored = try store.load(kind: kind, namespace: object.namespace, name: src.name)
        guard let stored else {
          if src.optional { out.append(r); continue }
          throw GarrisonError(
            .notFound, "\(kind) \"\(src.name)\" not found in namespace \(object.namespace) (apply it first or in the same file)",
            field: FieldPath(field + "." + v.sourceType), at: loc)
        }
        let mode = UInt32(src.defaultMode ?? 0o644)
        if src.items.isEmpty {
          for (k, d) in stored.data.sorted(by: { $0.key < $1.key }) { r.files.append(ProjectedFile(path: k, content: d, mode: mode)) }
        } else {
          for (j, item) in src.items.enumerated() {
            let itemField = field + ".\(v.sourceType).items[\(j)]"
            try SubPath.validate(item.path, field: itemField + ".path")
            guard let d = stored.data[item.key] else {
              if src.optional { continue }
              throw GarrisonError(
                .notFound, "key \"\(item.key)\" not found in \(kind) \(src.name)", field: FieldPath(itemField + ".key"), at: loc)
            }
            r.files.append(ProjectedFile(path: item.path, content: d, mode: UInt32(item.mode ?? Int32(mode))))
          }
        }
        out.append(r)
      default:
        throw GarrisonError(
          .refused, "volume type \(v.sourceType) is not supported by the garrison pod runner (emptyDir, hostPath, configMap, secret are)",
          field: FieldPath(field), at: loc)
      }
    }
    return out
  }
}
