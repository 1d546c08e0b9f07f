/// Namespace of the GarrisonAudit module.
public enum GarrisonAuditModule {}
