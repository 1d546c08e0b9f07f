/// Namespace of the GarrisonImages module.
public enum GarrisonImagesModule {}
