/// Namespace of the GarrisonPods module.
public enum GarrisonPodsModule {}
