import ArgumentParser
import GarrisonImages

/// `garrison image rm NAME...`.
struct ImageRemoveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rm", abstract: "Remove image names; blobs and unpacked layers no image uses are deleted.",
    aliases: ["remove"])

  @OptionGroup var store: ImageStoreOptions
  @Argument(help: "NAME[:TAG] or manifest digest (at least 12 hex characters).") var names: [String]

  func validate() throws {
    if names.isEmpty { throw ValidationError("give at least one image to remove") }
  }

  func run() throws {
    try ImageCommandSupport.run {
      let s = try store.openStore()
      for name in names { ImageCommandSupport.write("removed \(try s.remove(name))\n") }
    }
  }
}
