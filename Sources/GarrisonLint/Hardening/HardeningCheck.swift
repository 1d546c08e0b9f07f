import GarrisonCore
import GarrisonManifest

/// A hardening finding before severity and object are attached.
public struct HardeningHit: Sendable, Equatable {
  public var message: String
  public var container: String?
  public var image: String?
  public var field: FieldPath
}

/// A check beyond the Pod Security Standards: an ID (`hardening.*`) and a decision over one pod.
public struct HardeningCheck: Sendable {
  public var id: String
  public var evaluate: @Sendable (PodContext) -> [HardeningHit]
}

/// Every hardening check, in ID order.
public enum HardeningRegistry {
  public static let checks: [HardeningCheck] = [
    ContainerHardening.readOnlyRootFilesystem, ContainerHardening.resourceLimits, ImageHardening.digest,
    ImageHardening.tag, PodHardening.automountServiceAccountToken, IdentityHardening.runAsHighUID,
    ContainerHardening.addedCapabilities, ProfileHardening.seccompUnconfined, ProfileHardening.appArmorUnconfined,
    PodHardening.shareProcessNamespace, PodHardening.sensitiveHostPath, PodHardening.unsafeSysctls,
    ContainerHardening.probes,
  ].sorted { $0.id < $1.id }
}
