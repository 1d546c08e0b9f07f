import GarrisonCommands
import GarrisonOCICommands

// The full CLI: the `garrison` front end (Sources/garrison) hands it every command line it does not run itself.
GarrisonCommand.mainWithGarrisonExitCodes()
