/// Namespace of the GarrisonCgroups module.
public enum GarrisonCgroupsModule {}
