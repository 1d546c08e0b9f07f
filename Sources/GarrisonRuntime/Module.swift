/// Namespace of the GarrisonRuntime module.
public enum GarrisonRuntimeModule {}
