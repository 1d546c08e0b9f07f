import ArgumentParser
import GarrisonCore
import GarrisonPods

/// `garrison supervise` (hidden): runs one pod's supervisor in this process, as `garrison-supervisor` does. `apply`
/// starts `garrison-supervisor` (the small static executable beside this one) and falls back to this command
/// only when it is missing.
struct SuperviseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "supervise", abstract: "Supervise one pod (started by apply).", shouldDisplay: false)

  @OptionGroup var rootOption: RootOption
  @Option var namespace: String
  @Option var name: String
  @Option(help: "An inherited socket to send a byte on after every status written (apply's wake-up).")
  var wakeFd: Int32?

  func run() throws {
    var code: Int32 = 0
    try PodCLI.run { code = try SupervisorMain.run(root: rootOption.path, namespace: namespace, name: name, wake: wakeFd) }
    throw ExitCode(code)
  }
}
