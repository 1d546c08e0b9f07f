import GarrisonCommands

// Placeholder until the runc-compatible command line lands.
GarrisonCommand.main()
