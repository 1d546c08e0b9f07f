/// The `annotations` keys Garrison writes into the OCI configs it generates and reads back in garrison-oci.
public enum GarrisonAnnotations {
  /// `sha256:<hex>` of the enforcement plan the config was built from.
  public static let planDigest = "dev.garrison.plan.digest"
  /// `sha256:<hex>` of the seccomp BPF program the plan pinned (`SeccompPlan.bpfDigest`): garrison-oci
  /// refuses to start when the program it compiles from `linux.seccomp` has another digest.
  public static let seccompBPFDigest = "dev.garrison.seccomp.bpf-digest"
}
