/// Namespace of the GarrisonPolicy module.
public enum GarrisonPolicyModule {}
