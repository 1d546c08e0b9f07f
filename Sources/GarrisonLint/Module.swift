/// Namespace of the GarrisonLint module.
public enum GarrisonLintModule {}
