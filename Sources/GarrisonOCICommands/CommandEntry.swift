import ArgumentParser
import GarrisonCore
import GarrisonKernel
import Glibc

extension ParsableCommand {
  /// Like `main()`, but command-line usage errors exit with Garrison's documented code 2 (not 64).
  public static func mainWithGarrisonExitCodes() -> Never {
    do {
      var command = try parseAsRoot()
      try command.run()
      Self.exit()
    } catch {
      if exitCode(for: error) == .validationFailure {
        StandardError.write(fullMessage(for: error) + "\n")
        Glibc.exit(ExitCodes.badInput)
      }
      Self.exit(withError: error)
    }
  }
}
