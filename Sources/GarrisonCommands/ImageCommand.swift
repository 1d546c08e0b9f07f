import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonImages

/// `garrison image`: the local OCI image store (import, ls, rm, inspect).
public struct ImageCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "image",
    abstract: "Manage the local image store ($GARRISON_ROOT/images, an OCI image layout).",
    subcommands: [ImageImportCommand.self, ImageListCommand.self, ImageRemoveCommand.self, ImageInspectCommand.self]
  )
  public init() {}
}

/// `--root DIR` for image commands; defaults to `$GARRISON_ROOT`, else `/var/lib/garrison`.
public struct ImageStoreOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp("Garrison state directory (default: $GARRISON_ROOT or /var/lib/garrison).", valueName: "DIR"))
  public var root: String?

  public init() {}

  /// Opens the store under the chosen root (made absolute against the working directory).
  public func openStore() throws -> ImageStore {
    var dir = root ?? ImageStore.defaultRoot()
    if !dir.hasPrefix("/") { dir = FileManager.default.currentDirectoryPath + "/" + dir }
    return try ImageStore(root: dir)
  }
}

/// Runs a command body, printing a `GarrisonError` to stderr and exiting with its documented exit code.
enum ImageCommandSupport {
  static func run(_ body: () throws -> Void) throws {
    do { try body() } catch let error as GarrisonError {
      FileHandle.standardError.write(Data("garrison: error: \(error)\n".utf8))
      throw ExitCode(error.exitCode)
    }
  }

  static func write(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }
}
