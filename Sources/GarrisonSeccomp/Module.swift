/// Namespace of the GarrisonSeccomp module.
public enum GarrisonSeccompModule {}
