/// An AppArmor label as `/proc/<pid>/attr/current` shows it: `unconfined`, or `<profile> (<mode>)` with mode
/// `enforce`, `complain`, `kill`, `unconfined` or `user`.
public struct AppArmorLabel: Equatable, Sendable {
  public var profile: String
  public var mode: String?

  public init(profile: String, mode: String?) {
    self.profile = profile
    self.mode = mode
  }

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
    return AppArmorLabel(parsing: label).enforces(profile)
  }

  /// Whether this label confines by exactly `profile` in a mode that denies (see `enforces(_:profile:)`).
  public func enforces(_ profile: String) -> Bool {
    guard self.profile == profile else { return false }
    if profile == "unconfined" { return mode == nil || mode == "unconfined" }
    return mode == "enforce" || mode == "kill"
  }

  /// `name (mode)`, or the bare name when there is no mode: how `/proc/<pid>/attr/current` shows it.
  public var text: String { mode.map { "\(profile) (\($0))" } ?? profile }
}

extension AppArmorLabel {
  /// Decodes the kernel's list of loaded profiles (securityfs `apparmor/profiles`, one `name (mode)` per line)
  /// into name → mode; a line without a mode is skipped.
  public static func profileList(_ text: String) -> [String: String] {
    var profiles: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let label = AppArmorLabel(parsing: String(line))
      if let mode = label.mode { profiles[label.profile] = mode }
    }
    return profiles
  }
}
