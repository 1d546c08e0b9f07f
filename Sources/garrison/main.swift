import GarrisonCommands
import GarrisonOCICommands

// `garrison exec`'s exact forms skip ArgumentParser (ExecFastPath); everything else is parsed by it.
ExecFastPath.runIfRecognised(Array(CommandLine.arguments.dropFirst()))
GarrisonCommand.mainWithGarrisonExitCodes()
