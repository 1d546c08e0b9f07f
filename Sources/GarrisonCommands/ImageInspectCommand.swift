import ArgumentParser
import GarrisonImages

/// `garrison image inspect NAME`: the image configuration as JSON.
struct ImageInspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect", abstract: "Print an image's OCI configuration (Entrypoint, Cmd, Env, User, ...) as JSON.")

  @OptionGroup var store: ImageStoreOptions
  @Argument(help: "NAME[:TAG] or manifest digest.") var name: String

  func run() throws {
    try ImageCommandSupport.run {
      let s = try store.openStore()
      ImageCommandSupport.write(try ImageListing.inspect(s, try s.resolve(name)))
    }
  }
}
