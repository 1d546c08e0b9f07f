import GarrisonOCICommands

// The runc-compatible runtime; everything lives in GarrisonOCICommands and GarrisonRuntime.
OCICommand.runtimeMain()
