/// Namespace of the GarrisonPlan module.
public enum GarrisonPlanModule {}
