import GarrisonKernel

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
