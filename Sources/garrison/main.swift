import GarrisonExec

// `garrison`: runs exec's exact forms itself and hands everything else to garrison-cli (GarrisonExec's FrontEnd).
FrontEnd.main()
