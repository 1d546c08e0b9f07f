import ArgumentParser
import GarrisonImages

/// `garrison image ls`.
struct ImageListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ls", abstract: "List images: NAME, TAG, DIGEST, SIZE, CREATED.", aliases: ["list"])

  @OptionGroup var store: ImageStoreOptions
  @Flag(name: .shortAndLong, help: "Print only NAME:TAG, one per line.") var quiet = false

  func run() throws {
    try ImageCommandSupport.run {
      let rows = try store.openStore().list()
      if quiet {
        ImageCommandSupport.write(rows.map { "\($0.name):\($0.tag)\n" }.joined())
      } else {
        ImageCommandSupport.write(ImageListing.table(rows))
      }
    }
  }
}
