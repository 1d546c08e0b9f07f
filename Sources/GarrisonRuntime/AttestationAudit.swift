import GarrisonAudit
import GarrisonCore
import GarrisonKernel

extension AttestationReport {
  /// The `enforcement.readback` event of this attestation (allowed when it passed, denied on a mismatch): the
  /// credentials read back, every mismatch, and every setuid/setgid escalation no_new_privs allowed. One home for
  /// the event, whichever process ran the runtime (garrison-oci, or `garrison exec` in process).
  public func readbackEvent(object: AuditObject) -> AuditEvent {
    func names(_ mask: UInt64) -> String { Capability.names(in: mask).joined(separator: ",") }
    let c = capabilities
    var fields = [
      AuditDetails.ReadbackField(field: "Uid", expected: "", actual: uids.map(String.init).joined(separator: " ")),
      AuditDetails.ReadbackField(field: "Gid", expected: "", actual: gids.map(String.init).joined(separator: " ")),
      AuditDetails.ReadbackField(field: "Groups", expected: "", actual: groups.map(String.init).joined(separator: " ")),
      AuditDetails.ReadbackField(field: "CapEff", expected: "", actual: names(c.effective)),
      AuditDetails.ReadbackField(field: "CapPrm", expected: "", actual: names(c.permitted)),
      AuditDetails.ReadbackField(field: "CapBnd", expected: "", actual: names(c.bounding)),
      AuditDetails.ReadbackField(field: "CapInh", expected: "", actual: names(c.inheritable)),
      AuditDetails.ReadbackField(field: "CapAmb", expected: "", actual: names(c.ambient)),
      AuditDetails.ReadbackField(field: "NoNewPrivs", expected: "", actual: "\(noNewPrivs)"),
      AuditDetails.ReadbackField(field: "Seccomp", expected: "", actual: "\(seccompMode)"),
    ].map { f -> AuditDetails.ReadbackField in
      // Only mismatching fields carry an expectation different from the actual value.
      var f = f
      f.expected = f.actual
      return f
    }
    for m in mismatches { fields.append(AuditDetails.ReadbackField(field: "mismatch", expected: "as specified", actual: m)) }
    // no_new_privs off: a setuid/setgid program the process ran (allowed, and recorded as such; expected equals
    // actual, so it does not count as a mismatch).
    for e in escalations ?? [] {
      fields.append(AuditDetails.ReadbackField(field: "escalation", expected: e, actual: e))
    }
    var details = AuditDetails.readback(fields)
    if case .object(var o) = details {
      o["pid"] = .integer(pid)
      o["lsm_label"] = .optional(lsmLabel)
      o["lsm_mode"] = .optional(lsmMode)
      o["exited_early"] = .bool(exitedEarly)
      details = .object(o)
    }
    return AuditEvent(kind: .enforcementReadback, outcome: passed ? .allowed : .denied, object: object, details: details)
  }
}
