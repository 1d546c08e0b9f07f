import Foundation
import GarrisonCore

/// The part of an `admission.k8s.io/v1` `AdmissionReview` request the webhook reads.
public struct AdmissionRequest: @unchecked Sendable {  // `object` holds JSONSerialization values, never mutated
  public var uid: String
  /// `request.kind.kind` (`Pod`, `Deployment`, `Namespace`, ...).
  public var kind: String
  /// `request.subResource` (`ephemeralcontainers`, `status`, ...), empty for the object itself.
  public var subResource: String
  public var namespace: String
  public var name: String
  /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT`.
  public var operation: String
  public var username: String
  /// `request.object` as JSON text (nil for DELETE).
  public var objectJSON: String?
  /// `request.object` parsed (for Namespace labels and `spec.runtimeClassName`).
  public var object: [String: Any]?

  /// Parses an AdmissionReview body. A body that is not JSON, not an `admission.k8s.io/v1` `AdmissionReview` or
  /// has no `request.uid` is a `.invalid` error naming what is wrong (the server answers 400).
  public init(body: [UInt8]) throws {
    let json: Any
    do { json = try JSONSerialization.jsonObject(with: Data(body)) } catch {
      throw GarrisonError(.invalid, "the body is not JSON: \(error.localizedDescription)")
    }
    guard let review = json as? [String: Any] else { throw GarrisonError(.invalid, "the body is not a JSON object") }
    guard review["kind"] as? String == "AdmissionReview" else {
      throw GarrisonError(.invalid, "kind must be AdmissionReview, got \(Quoted.quoted(String(describing: review["kind"] ?? "nothing")))")
    }
    guard review["apiVersion"] as? String == "admission.k8s.io/v1" else {
      throw GarrisonError(
        .invalid, "apiVersion must be admission.k8s.io/v1, got \(Quoted.quoted(String(describing: review["apiVersion"] ?? "nothing")))")
    }
    guard let request = review["request"] as? [String: Any], let uid = request["uid"] as? String, !uid.isEmpty else {
      throw GarrisonError(.invalid, "request.uid is missing")
    }
    self.uid = uid
    kind = (request["kind"] as? [String: Any])?["kind"] as? String ?? ""
    subResource = request["subResource"] as? String ?? ""
    namespace = request["namespace"] as? String ?? ""
    operation = request["operation"] as? String ?? ""
    username = (request["userInfo"] as? [String: Any])?["username"] as? String ?? ""
    object = request["object"] as? [String: Any]
    name = request["name"] as? String ?? ((object?["metadata"] as? [String: Any])?["name"] as? String ?? "")
    if let object {
      objectJSON = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
  }
}

/// The webhook's answer for one request.
public struct AdmissionDecision: Sendable, Equatable {
  public var allowed: Bool
  /// `status.message` of a denial: `pods "x" is forbidden: violates PodSecurity "baseline:latest": ...`.
  public var message: String?
  /// `would violate PodSecurity "restricted:latest": ...` (warn mode, and enforce-level violations of a workload).
  public var warnings: [String]
  /// Audit annotations (audit mode, and the enforce policy applied).
  public var auditAnnotations: [String: String]
  /// The check ids that denied it or were reported (for the audit event).
  public var violations: [String]
  /// Why no check ran (an exemption, a kind or operation that is not evaluated).
  public var exemptReason: String?

  public init(
    allowed: Bool, message: String? = nil, warnings: [String] = [], auditAnnotations: [String: String] = [:],
    violations: [String] = [], exemptReason: String? = nil
  ) {
    self.allowed = allowed
    self.message = message
    self.warnings = warnings
    self.auditAnnotations = auditAnnotations
    self.violations = violations
    self.exemptReason = exemptReason
  }

  /// The `AdmissionReview` response body for request `uid`.
  public func reviewJSON(uid: String) -> [UInt8] {
    var response: [String: Any] = ["uid": uid, "allowed": allowed]
    if let message, !allowed { response["status"] = ["code": 403, "reason": "Forbidden", "message": message] as [String: Any] }
    if !warnings.isEmpty { response["warnings"] = warnings }
    if !auditAnnotations.isEmpty { response["auditAnnotations"] = auditAnnotations }
    let review: [String: Any] = ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response]
    return Array((try? JSONSerialization.data(withJSONObject: review, options: [.sortedKeys])) ?? Data())
  }
}
