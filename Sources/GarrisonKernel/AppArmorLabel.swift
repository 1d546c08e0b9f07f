/// An AppArmor label as `/proc/<pid>/attr/current` shows it: `unconfined`, or `<profile> (<mode>)` with mode
/// `enforce`, `complain`, `kill`, `unconfined` or `user`.
public struct AppArmorLabel: Equatable, Sendable {
  public var profile: String
  public var mode: String?

  /// Parses `name (mode)` or a bare `name`; surrounding whitespace (the kernel's newline) is ignored.
  public init(parsing text: String) {
    let t = text.trimmingWhitespace()
    if t.hasSuffix(")"), let open = t.lastIndex(of: "("), open > t.startIndex,
      t[t.index(before: open)] == " "
    {
      profile = String(t[..<t.index(before: open)])
      mode = String(t[t.index(after: open)...].dropLast())
    } else {
      profile = t
      mode = nil
    }
  }

  /// Whether `label` confines by exactly `profile` in a mode that denies (`enforce` or `kill`); a profile in
  /// complain mode only logs, so it does not count, and neither does a longer name sharing the prefix.
  /// An explicit `unconfined` request matches the label `unconfined` (shown without a mode).
  public static func enforces(_ label: String?, profile: String) -> Bool {
    guard let label else { return false }
    let parsed = AppArmorLabel(parsing: label)
    guard parsed.profile == profile else { return false }
    if profile == "unconfined" { return parsed.mode == nil || parsed.mode == "unconfined" }
    return parsed.mode == "enforce" || parsed.mode == "kill"
  }
}

extension AppArmorLabel {
  /// The kernel's list of loaded profiles in securityfs, one `name (mode)` per line.
  public static let loadedProfilesPath = "/sys/kernel/security/apparmor/profiles"

  /// The profiles the kernel has loaded, or nil when the list cannot be read (no AppArmor, or securityfs not
  /// mounted).
  public static func loadedProfiles(path: String = loadedProfilesPath) -> [AppArmorLabel]? {
    let text: String
    do { text = try FileIO.readText(path) } catch { return nil }
    return text.split(separator: "\n").map { AppArmorLabel(parsing: String($0)) }
  }
}
