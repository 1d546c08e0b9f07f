/// The OCI runtime-spec version garrison-oci implements: what its state documents (`state`, the state on a
/// hook's stdin) say and the top of what `features` accepts.
public enum RuntimeSpecVersion {
  public static let implemented = "1.2.0"
}
