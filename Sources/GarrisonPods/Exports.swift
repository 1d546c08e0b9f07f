// GarrisonPods is the front end of the supervisor's types: its users see them through it.
@_exported import GarrisonSupervisor
