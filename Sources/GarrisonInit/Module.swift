/// Namespace of the GarrisonInit module.
public enum GarrisonInitModule {}
