/// Namespace of the GarrisonLSM module.
public enum GarrisonLSMModule {}
