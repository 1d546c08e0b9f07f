#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel
import GarrisonOCI
import GarrisonPlan

/// Everything a pod supervisor needs to run a pod, written once by `apply` (`record.json`). The supervisor
/// links no YAML parser and no policy compiler: the compiled OCI specs are in here.
public struct PodRecord: Codable, Sendable, Equatable {
  public var namespace: String
  public var name: String
  public var uid: String
  public var createdAt: Date
  /// `Always`, `OnFailure` or `Never`.
  public var restartPolicy: String
  /// Init containers and sidecars in manifest order, then app containers.
  public var containers: [ContainerRecord]
  public var volumes: [VolumeRecord]
  public var network: NetworkConfig
  public var namespaces: SandboxNamespaces
  public var runtime: RuntimeConfig
  public var backoff: BackoffPolicy
  public var terminationGracePeriodSeconds: Int64
  /// What the fit check counts for this pod.
  public var requests: PodRequests
  /// `securityContext.fsGroup`, applied to emptyDir, configMap and secret volumes.
  public var fsGroup: UInt32?
  public var hostname: String
  /// `metadata.labels` and `metadata.annotations` as applied (selectors: `get pods -l`, the workload controllers;
  /// nil in records written before they were kept).
  public var labels: [String: String]?
  public var annotations: [String: String]?
  /// The ReplicaSet or Job that owns this pod (nil for a naked pod).
  public var ownerReferences: [OwnerReference]?
  /// The pod spec as applied (the API server's JSON of it), for `get pods -o json|yaml`.
  public var specJSON: JSONValue?
  /// Kubernetes' QoS class of the pod (`Guaranteed`, `Burstable`, `BestEffort`), from its containers' resources.
  public var qosClass: String?
  /// The host's name: the "node" the pod runs on (`spec.nodeName` in the Kubernetes view).
  public var nodeName: String?

  public init(
    namespace: String, name: String, uid: String, createdAt: Date = Date(), restartPolicy: String,
    containers: [ContainerRecord], volumes: [VolumeRecord], network: NetworkConfig, namespaces: SandboxNamespaces,
    runtime: RuntimeConfig, backoff: BackoffPolicy, terminationGracePeriodSeconds: Int64, requests: PodRequests,
    fsGroup: UInt32?, hostname: String, labels: [String: String]? = nil, ownerReferences: [OwnerReference]? = nil
  ) {
    self.labels = labels
    self.ownerReferences = ownerReferences
    self.namespace = namespace
    self.name = name
    self.uid = uid
    self.createdAt = createdAt
    self.restartPolicy = restartPolicy
    self.containers = containers
    self.volumes = volumes
    self.network = network
    self.namespaces = namespaces
    self.runtime = runtime
    self.backoff = backoff
    self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
    self.requests = requests
    self.fsGroup = fsGroup
    self.hostname = hostname
  }

  /// The OCI runtime's id for a container: short, unique per pod and stable across restarts.
  public func runtimeID(_ container: String) -> String { Self.runtimeID(uid: uid, container: container) }
  /// The runtime's container id of `container` in the pod with `uid`.
  public static func runtimeID(uid: String, container: String) -> String { "g-\(uid.prefix(13))-\(container)" }
}

/// One container of a pod.
public struct ContainerRecord: Codable, Sendable, Equatable {
  public var name: String
  /// `init`, `sidecar` or `app` (ephemeral containers are never recorded).
  public var role: ContainerRole
  public var image: String
  /// The compiled OCI config; sandbox namespace paths, rootfs and volume mounts are filled in at start.
  public var spec: RuntimeSpec
  public var rootfs: RootfsSource
  public var volumeMounts: [MountRecord]
  public var planDigest: String
  /// Whether `apparmorProfile`/`selinuxLabel` were set by the manifest (not by default).
  public var appArmorExplicit: Bool
  public var seLinuxExplicit: Bool
  /// The plan's seccomp profile (`RuntimeDefault`, `Localhost/<file>`, nil for unconfined) and privileged flag (audit).
  public var seccompProfile: String?
  public var privileged: Bool
  /// The image's id as Kubernetes reports it (`imageID`): the manifest digest of a stored image; nil for `--rootfs`.
  public var imageID: String?
  /// Liveness, readiness and startup probes (nil: none), run by the supervisor.
  public var probes: ContainerProbes?
  /// The manifest's requests and limits (nil in records written before they were kept).
  public var resources: ContainerResources?

  public init(
    name: String, role: ContainerRole, image: String, spec: RuntimeSpec, rootfs: RootfsSource, volumeMounts: [MountRecord],
    planDigest: String, appArmorExplicit: Bool, seLinuxExplicit: Bool, seccompProfile: String? = nil, privileged: Bool = false,
    resources: ContainerResources? = nil
  ) {
    self.resources = resources
    self.seccompProfile = seccompProfile
    self.privileged = privileged
    self.name = name
    self.role = role
    self.image = image
    self.spec = spec
    self.rootfs = rootfs
    self.volumeMounts = volumeMounts
    self.planDigest = planDigest
    self.appArmorExplicit = appArmorExplicit
    self.seLinuxExplicit = seLinuxExplicit
  }
}

/// A container's CPU and memory requests and limits as the manifest states them (a request defaults to its limit,
/// as in Kubernetes); nil where unset. Metrics (`kube_pod_container_resource_*`) and `describe` read them.
public struct ContainerResources: Codable, Sendable, Equatable {
  public var cpuRequestMillis: Int64?
  public var memoryRequestBytes: Int64?
  public var cpuLimitMillis: Int64?
  public var memoryLimitBytes: Int64?
  public init(cpuRequestMillis: Int64?, memoryRequestBytes: Int64?, cpuLimitMillis: Int64?, memoryLimitBytes: Int64?) {
    self.cpuRequestMillis = cpuRequestMillis
    self.memoryRequestBytes = memoryRequestBytes
    self.cpuLimitMillis = cpuLimitMillis
    self.memoryLimitBytes = memoryLimitBytes
  }
}

/// Where a container's root filesystem comes from: read-only lower directories stacked under a per-container
/// writable overlay (image layers, topmost first, or a single `--rootfs` directory).
public struct RootfsSource: Codable, Sendable, Equatable {
  public var lowerdirs: [String]
  public init(lowerdirs: [String]) { self.lowerdirs = lowerdirs }
}

/// A `volumeMounts[]` entry after static validation.
public struct MountRecord: Codable, Sendable, Equatable {
  public var volume: String
  public var mountPath: String
  public var subPath: String?
  public var readOnly: Bool
  /// The manifest field path, for error messages (`spec.containers[0].volumeMounts[1]`).
  public var field: String
  public init(volume: String, mountPath: String, subPath: String?, readOnly: Bool, field: String) {
    self.volume = volume
    self.mountPath = mountPath
    self.subPath = subPath
    self.readOnly = readOnly
    self.field = field
  }
}

/// A pod volume as the supervisor prepares it.
public struct VolumeRecord: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable {
    case emptyDir, hostPath, configMap, secret
  }
  public var name: String
  public var kind: Kind
  /// hostPath: the host path and its `type`.
  public var hostPath: String?
  public var hostPathType: String?
  /// emptyDir: `Memory` medium and size limit in bytes.
  public var memory: Bool
  public var sizeLimitBytes: Int64?
  /// configMap/secret: file path in the volume → content and mode (resolved at apply time).
  public var files: [ProjectedFile]
  /// The manifest field path (`spec.volumes[0]`).
  public var field: String

  public init(name: String, kind: Kind, field: String) {
    self.name = name
    self.kind = kind
    self.memory = false
    self.files = []
    self.field = field
  }
}

/// A file projected into a configMap or secret volume.
public struct ProjectedFile: Codable, Sendable, Equatable {
  public var path: String
  public var content: Data
  public var mode: UInt32
  public init(path: String, content: Data, mode: UInt32) {
    self.path = path
    self.content = content
    self.mode = mode
  }
}

/// How a pod's sandbox is networked.
public enum PodNetworkMode: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// Its own network namespace with a veth pair on the host bridge.
  case bridge
  /// Its own network namespace with loopback only.
  case none
  /// The host's network namespace (`hostNetwork: true`).
  case host
  public var description: String { rawValue }
}

/// The pod network: a veth pair to a host bridge, loopback only, or the host's network.
public struct NetworkConfig: Codable, Sendable, Equatable {
  public var mode: PodNetworkMode
  public var bridge: String
  /// Pod CIDR, e.g. `10.88.0.0/16`; the bridge takes the first address.
  public var cidr: String
  public init(mode: PodNetworkMode, bridge: String = "garrison0", cidr: String = "10.88.0.0/16") {
    self.mode = mode
    self.bridge = bridge
    self.cidr = cidr
  }
}

/// Which namespaces the sandbox shares between containers, and which are the host's.
public struct SandboxNamespaces: Codable, Sendable, Equatable {
  public var hostNetwork: Bool
  public var hostIPC: Bool
  public var hostPID: Bool
  public var sharePID: Bool
  public init(hostNetwork: Bool, hostIPC: Bool, hostPID: Bool, sharePID: Bool) {
    self.hostNetwork = hostNetwork
    self.hostIPC = hostIPC
    self.hostPID = hostPID
    self.sharePID = sharePID
  }
}

/// The OCI runtime binary and its state directory.
public struct RuntimeConfig: Codable, Sendable, Equatable {
  public var path: String
  /// `--root` of the runtime.
  public var root: String
  public init(path: String, root: String) {
    self.path = path
    self.root = root
  }
  /// Whether this is crun (which needs LSM and version adjustments on this host).
  public var isCrun: Bool { PathName.lastComponent(path).hasPrefix("crun") }
}

/// Kubernetes-style restart backoff: `base` doubling to `max`, reset after `resetAfter` seconds of running.
public struct BackoffPolicy: Codable, Sendable, Equatable {
  public var base: Double
  public var max: Double
  public var resetAfter: Double
  public init(base: Double = 10, max: Double = 300, resetAfter: Double = 600) {
    self.base = base
    self.max = max
    self.resetAfter = resetAfter
  }
  /// Delay before restart number `restarts` (1-based: the first restart waits `base`).
  public func delay(restarts: Int) -> Double {
    guard restarts > 0 else { return 0 }
    var d = base
    for _ in 1..<restarts { d *= 2; if d >= max { return max } }
    return Swift.min(d, max)
  }
}

/// A pod's requests as the scheduler counts them.
public struct PodRequests: Codable, Sendable, Equatable {
  public var cpuMillis: Int64
  public var memoryBytes: Int64
  public init(cpuMillis: Int64, memoryBytes: Int64) {
    self.cpuMillis = cpuMillis
    self.memoryBytes = memoryBytes
  }
}
