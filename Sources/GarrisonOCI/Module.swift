/// Namespace of the GarrisonOCI module.
public enum GarrisonOCIModule {}
