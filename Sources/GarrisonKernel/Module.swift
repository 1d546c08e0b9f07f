/// Namespace of the GarrisonKernel module.
public enum GarrisonKernelModule {}
