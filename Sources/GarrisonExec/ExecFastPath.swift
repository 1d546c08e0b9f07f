import GarrisonCore

/// `garrison exec` command lines the `garrison` front end runs itself (`FrontEnd`), without starting the full CLI
/// and its ArgumentParser command tree (bench/exec RESULTS.md), as garrison-oci's `OCIFastPath` does for the
/// runtime verbs. Taken only when every argument is one of these exact forms: `exec`
/// first; `--root R`, `--root=R`, `-n NS`, `--namespace NS`, `--namespace=NS`, `-c C`, `--container C`,
/// `--container=C` (each at most once, a value not starting with `-`); `-i`, `--stdin`, `-t`, `--tty`, `-it`,
/// `-ti`; one pod argument; then `--` and at least one command word. Anything else (help, a repeated or unknown
/// option, a missing value) returns nil and goes to the full CLI's ArgumentParser unchanged. Both paths run
/// `ExecRequest.run`.
public enum ExecFastPath {
  /// The exec to run for `arguments` (without the program name), or nil when ArgumentParser must parse them.
  public static func command(_ arguments: [String]) -> ExecRequest? {
    guard arguments.first == "exec", let end = arguments.firstIndex(of: "--") else { return nil }
    let command = Array(arguments[(end + 1)...])
    guard !command.isEmpty else { return nil }
    var values: [String: String] = [:]
    var stdin = false
    var tty = false
    var pod: String?
    let valued: [String: String] = [
      "--root": "root", "-n": "namespace", "--namespace": "namespace", "-c": "container", "--container": "container",
    ]
    var i = 1
    while i < end {
      let token = arguments[i]
      i += 1
      var name = token
      var inline: String?
      if token.hasPrefix("--"), let eq = token.firstIndex(of: "=") {
        name = String(token[..<eq])
        inline = String(token[token.index(after: eq)...])
      }
      if let key = valued[name] {
        guard values[key] == nil else { return nil }
        let value: String
        if let inline {
          value = inline
        } else {
          guard i < end else { return nil }
          value = arguments[i]
          i += 1
        }
        guard !value.hasPrefix("-") else { return nil }
        values[key] = value
        continue
      }
      guard inline == nil else { return nil }
      switch token {
      case "-i", "--stdin":
        guard !stdin else { return nil }
        stdin = true
      case "-t", "--tty":
        guard !tty else { return nil }
        tty = true
      case "-it", "-ti":
        guard !stdin && !tty else { return nil }
        (stdin, tty) = (true, true)
      default:
        guard !token.hasPrefix("-"), pod == nil else { return nil }
        pod = token
      }
    }
    guard let pod else { return nil }
    return ExecRequest(
      root: values["root"], namespace: values["namespace"] ?? "default", container: values["container"], stdin: stdin,
      tty: tty, pod: pod, command: command)
  }
}
