import GarrisonCore
import GarrisonOCI
import GarrisonSeccomp

/// Fail-closed check of the seccomp program against the digest the enforcement plan pinned
/// (`GarrisonAnnotations.seccompBPFDigest`): a config edited after compilation (rules, default action,
/// or the annotation itself) is refused before anything is created.
public enum SeccompDigestPin {
  /// `sha256:<hex>` of a compiled program (the form `SeccompPlan.bpfDigest` and the annotation use).
  public static func digest(of bpf: [UInt8]) throws -> String { try BPFProgram(bytes: bpf).sha256 }

  /// Throws `.refused` when `annotations` pin a BPF digest and `bpf` (the compiled program, nil when the
  /// config has no `linux.seccomp`) does not have it; `.invalid` for a malformed pin.
  public static func check(annotations: [String: String]?, bpf: [UInt8]?) throws {
    let key = GarrisonAnnotations.seccompBPFDigest
    guard let pinned = annotations?[key] else { return }
    let field = FieldPath("annotations") / key
    let hex = pinned.dropFirst("sha256:".count)
    guard pinned.hasPrefix("sha256:"), hex.count == 64, hex.allSatisfy({ "0123456789abcdef".contains($0) }) else {
      throw GarrisonError(
        .invalid, operation: "check seccomp digest", "\(key) must be sha256:<64 hex digits>, got \"\(pinned)\"",
        field: field)
    }
    guard let bpf else {
      throw GarrisonError(
        .refused, operation: "check seccomp digest",
        "the config pins seccomp program \(pinned) but has no linux.seccomp", field: FieldPath("linux.seccomp"))
    }
    let actual = try BPFProgram(bytes: bpf).sha256
    guard actual == pinned else {
      throw GarrisonError(
        .refused, operation: "check seccomp digest",
        "linux.seccomp compiles to BPF \(actual), not the \(pinned) the plan pinned "
          + "(config edited after compilation, or another libseccomp)", field: field)
    }
  }
}
