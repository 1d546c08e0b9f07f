/// Namespace of the GarrisonManifest module.
public enum GarrisonManifestModule {}
