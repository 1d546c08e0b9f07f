import GarrisonOCICommands

// The runc-compatible runtime; everything lives in GarrisonCommands/OCI*.swift and GarrisonRuntime/OCI.
OCICommand.mainWithGarrisonExitCodes()
