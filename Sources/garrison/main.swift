import GarrisonCommands

GarrisonCommand.main()
