import GarrisonSupervisor

// The per-pod supervisor `garrison apply` starts; everything lives in GarrisonSupervisor.
SupervisorMain.main()
