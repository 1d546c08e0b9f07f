/// Kubernetes' name formats, as `k8s.io/apimachinery/pkg/util/validation` and `pkg/api/validation/path` define
/// them: each check returns the API server's messages for a value (empty when the value is valid). Lengths are
/// in bytes, as Go's `len`.
public enum KubernetesNames {
  /// The rule the API server applies to an object's `metadata.name`.
  public enum Rule: Sendable {
    /// RFC 1123 label (namespaces).
    case dnsLabel
    /// RFC 1123 subdomain (most kinds).
    case dnsSubdomain
    /// RFC 1035 label (Services).
    case dns1035Label
    /// Any path segment: not `.` or `..`, no `/` or `%` (RBAC kinds; names may contain `:`).
    case pathSegment
  }

  static let labelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
  static let labelMessage =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '\(labelFormat)')"
  static let subdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '\(labelFormat)(\\.\(labelFormat))*')"
  static let dns1035Message =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

  private static func lowerAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }

  /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` over bytes.
  private static func matchesLabel<S: Collection>(_ b: S) -> Bool where S.Element == UInt8 {
    guard let first = b.first, let last = b.reversed().first, lowerAlnum(first), lowerAlnum(last) else { return false }
    return b.allSatisfy { lowerAlnum($0) || $0 == 45 }
  }

  /// The subdomain regex: labels (of any length) joined by single dots.
  private static func matchesSubdomain(_ s: String) -> Bool {
    s.utf8.split(separator: 46, omittingEmptySubsequences: false).allSatisfy { matchesLabel($0) }
  }

  /// `IsDNS1123Label`: at most 63 characters.
  public static func dnsLabelErrors(_ s: String) -> [String] {
    var errs: [String] = []
    if s.utf8.count > 63 { errs.append("must be no more than 63 characters") }
    if !matchesLabel(s.utf8) { errs.append(matchesSubdomain(s) ? "must not contain dots" : labelMessage) }
    return errs
  }

  /// `IsDNS1123Subdomain`: at most 253 characters in all; a label inside it is not limited to 63.
  public static func dnsSubdomainErrors(_ s: String) -> [String] {
    var errs: [String] = []
    if s.utf8.count > 253 { errs.append("must be no more than 253 characters") }
    if !matchesSubdomain(s) { errs.append(subdomainMessage) }
    return errs
  }

  /// `IsDNS1035Label`: a DNS label that starts with a letter.
  public static func dns1035LabelErrors(_ s: String) -> [String] {
    var errs: [String] = []
    if s.utf8.count > 63 { errs.append("must be no more than 63 characters") }
    if !matchesLabel(s.utf8) || !(s.utf8.first.map { $0 >= 97 && $0 <= 122 } ?? false) { errs.append(dns1035Message) }
    return errs
  }

  /// `IsPathSegmentName`: not `.` or `..`, no `/` or `%` (emptiness and length are not checked, as in Kubernetes).
  public static func pathSegmentErrors(_ s: String, prefix: Bool = false) -> [String] {
    if !prefix, s == "." || s == ".." { return ["may not be '\(s)'"] }
    var errs: [String] = []
    if s.contains("/") { errs.append("may not contain '/'") }
    if s.contains("%") { errs.append("may not contain '%'") }
    return errs
  }

  /// `IsConfigMapKey`: `[-._a-zA-Z0-9]+`, at most 253 characters, not `.`, `..` or starting with `..`.
  public static func configMapKeyErrors(_ s: String) -> [String] {
    var errs: [String] = []
    if s.utf8.count > 253 { errs.append("must be no more than 253 characters") }
    let ok =
      !s.isEmpty
      && s.utf8.allSatisfy { c in
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 45 || c == 46 || c == 95
      }
    if !ok {
      errs.append(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
      )
    }
    if s == "." {
      errs.append("must not be '.'")
    } else if s == ".." {
      errs.append("must not be '..'")
    } else if s.hasPrefix("..") {
      errs.append("must not start with '..'")
    }
    return errs
  }

  /// The messages for `s` under `rule`; `prefix` is for `generateName`: a trailing '-' is allowed, masked as the
  /// API server's `maskTrailingDash` does (it replaces the last two characters with `a`).
  public static func errors(_ s: String, _ rule: Rule, prefix: Bool = false) -> [String] {
    var s = s
    if prefix && rule != .pathSegment && s.utf8.count > 1 && s.hasSuffix("-") {
      s = String(decoding: s.utf8.dropLast(2), as: UTF8.self) + "a"
    }
    switch rule {
    case .dnsLabel: return dnsLabelErrors(s)
    case .dnsSubdomain: return dnsSubdomainErrors(s)
    case .dns1035Label: return dns1035LabelErrors(s)
    case .pathSegment: return pathSegmentErrors(s, prefix: prefix)
    }
  }

  /// Kinds without a namespace: the API server clears a `metadata.namespace` written on them.
  public static let clusterScopedKinds: Set<String> = [
    "Namespace", "ClusterRole", "ClusterRoleBinding", "IngressClass", "PersistentVolume", "StorageClass",
    "CustomResourceDefinition", "PriorityClass", "RuntimeClass",
  ]

  /// `Invalid value: "<s>": <messages>`, the API server's text for a bad value.
  public static func invalid(_ s: String, _ messages: [String]) -> String {
    "Invalid value: \(quoted(s)): " + messages.joined(separator: "; ")
  }

  /// A value quoted as Go's `%q` would, so control characters (NUL) stay visible.
  public static func quoted(_ s: String) -> String { Quoted.quoted(s) }

  /// A namespace from the command line (`-n`): an RFC 1123 label, or a usage error (exit 2).
  public static func checkNamespaceArgument(_ s: String, option: String = "--namespace") throws {
    let errs = dnsLabelErrors(s)
    guard !errs.isEmpty else { return }
    throw GarrisonError(.usage, "\(option): " + invalid(s, errs))
  }

  /// A container name from the command line (`-c`): an RFC 1123 label, or a usage error (exit 2).
  public static func checkContainerNameArgument(_ s: String) throws {
    let errs = dnsLabelErrors(s)
    guard !errs.isEmpty else { return }
    throw GarrisonError(.usage, "--container: " + invalid(s, errs))
  }

  /// A pod name from the command line: an RFC 1123 subdomain (Kubernetes' pod name rule), or a usage error (exit 2).
  /// A pod named as kubectl accepts it on the command line: `NAME`, `pod/NAME` or `pods/NAME`.
  public static func podName(argument: String) -> String {
    for prefix in ["pod/", "pods/"] where argument.hasPrefix(prefix) { return String(argument.dropFirst(prefix.count)) }
    return argument
  }

  public static func checkPodNameArgument(_ s: String) throws {
    let errs = dnsSubdomainErrors(s)
    guard !errs.isEmpty else { return }
    throw GarrisonError(.usage, "pod name: " + invalid(s, errs))
  }
}
