/// Text from input shown in a message, as Go's `%q` shows it: `"`, `\` and control characters (a NUL byte above
/// all) escaped, so what is printed is what was given — the API server's form for a bad value.
public enum Quoted {
  /// `s` escaped, without the surrounding quotes.
  public static func escaped(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\0": out += "\\x00"
      default:
        if u.value < 0x20 || u.value == 0x7f {
          out += "\\x" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16)
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out
  }

  /// `s` escaped and in double quotes.
  public static func quoted(_ s: String) -> String { "\"" + escaped(s) + "\"" }
}
