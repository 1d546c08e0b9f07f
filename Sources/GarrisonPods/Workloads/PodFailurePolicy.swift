import Foundation
import GarrisonCore
import GarrisonManifest

/// A Job's `spec.podFailurePolicy`: rules matched in order against a failed pod (its containers' non-zero exit
/// codes, or its conditions); the first match decides: `FailJob` fails the Job at once, `Ignore` does not count
/// the pod against `backoffLimit`, `Count` counts it (as does no match). Validated as the API server does.
public struct PodFailurePolicy: Codable, Sendable, Equatable {
  public enum Action: String, Codable, Sendable, Equatable { case failJob = "FailJob", ignore = "Ignore", count = "Count" }

  /// One rule: exactly one of `onExitCodes` and `onPodConditions`.
  public struct Rule: Codable, Sendable, Equatable {
    public var action: Action
    public var onExitCodes: ExitCodes?
    public var onPodConditions: [PodConditionPattern]
    public init(action: Action, onExitCodes: ExitCodes? = nil, onPodConditions: [PodConditionPattern] = []) {
      self.action = action
      self.onExitCodes = onExitCodes
      self.onPodConditions = onPodConditions
    }
  }

  /// `onExitCodes`: a container (or any, nil) terminated with a non-zero code `In` or `NotIn` the values.
  public struct ExitCodes: Codable, Sendable, Equatable {
    public var containerName: String?
    public var notIn: Bool
    public var values: [Int32]
    public init(containerName: String? = nil, notIn: Bool, values: [Int32]) {
      self.containerName = containerName
      self.notIn = notIn
      self.values = values
    }
  }

  /// `onPodConditions[]`: a condition type with a status.
  public struct PodConditionPattern: Codable, Sendable, Equatable {
    public var type: String
    public var status: String
    public init(type: String, status: String) {
      self.type = type
      self.status = status
    }
  }

  public var rules: [Rule]
  public init(rules: [Rule]) { self.rules = rules }

  /// The first rule that matches the failed pod, with the Job's failure message for `FailJob`
  /// (`matchPodFailurePolicy`); nil when none matches (the pod counts).
  public func match(_ pod: ObservedPod, namespace: String) -> (Action, String)? {
    for (index, rule) in rules.enumerated() {
      if let req = rule.onExitCodes {
        let exits = pod.exits.filter { !$0.isInit } + pod.exits.filter(\.isInit)
        if let e = exits.first(where: { e in
          (req.containerName == nil || req.containerName == e.name) && e.code != 0 && (req.values.contains(e.code) != req.notIn)
        }) {
          return (
            rule.action,
            "Container \(e.name) for pod \(namespace)/\(pod.name) failed with exit code \(e.code) matching \(rule.action.rawValue) rule at index \(index)"
          )
        }
      } else if let c = rule.onPodConditions.first(where: { pod.conditions[$0.type] == $0.status }) {
        return (rule.action, "Pod \(namespace)/\(pod.name) has condition \(c.type) matching \(rule.action.rawValue) rule at index \(index)")
      }
    }
    return nil
  }

  static let maxRules = 20, maxValues = 255, maxPatterns = 20

  /// Reads and validates `spec.podFailurePolicy` (batch validation's `validatePodFailurePolicy`): exit 2 with the
  /// field path. `containers`: the names of the template's containers and init containers.
  static func parse(_ v: JSONValue, containers: Set<String>, at: (String) -> SourceLocation) throws -> PodFailurePolicy {
    let base = "spec.podFailurePolicy"
    func fail(_ field: String, _ message: String) -> GarrisonError {
      GarrisonError(.invalid, message, field: FieldPath(field), at: at(field))
    }
    guard let list = v["rules"]?.arrayValue else { throw fail(base + ".rules", "Required value") }
    guard list.count <= maxRules else { throw fail(base + ".rules", "Too many: \(list.count): must have at most \(maxRules) items") }
    var rules: [Rule] = []
    for (i, r) in list.enumerated() {
      let path = "\(base).rules[\(i)]"
      let action: Action
      switch r["action"]?.stringValue {
      case nil, "":
        throw fail(path + ".action", "Required value: valid values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\"")
      case "FailIndex":
        throw fail(path + ".action", "Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set")
      case let a?:
        guard let known = Action(rawValue: a) else {
          throw fail(path + ".action", "Unsupported value: \"\(a)\": supported values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\"")
        }
        action = known
      }
      let onExit = r["onExitCodes"].flatMap { $0 == .null ? nil : $0 }
      let onConditions = r["onPodConditions"]?.arrayValue ?? []
      if onExit != nil && !onConditions.isEmpty {
        throw fail(path, "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported")
      }
      if onExit == nil && onConditions.isEmpty {
        throw fail(path, "Invalid value: specifying one of OnExitCodes and OnPodConditions is required")
      }
      var rule = Rule(action: action)
      if let e = onExit {
        let p = path + ".onExitCodes"
        let op = e["operator"]?.stringValue ?? ""
        guard !op.isEmpty else { throw fail(p + ".operator", "Required value: valid values: \"In\", \"NotIn\"") }
        guard op == "In" || op == "NotIn" else {
          throw fail(p + ".operator", "Unsupported value: \"\(op)\": supported values: \"In\", \"NotIn\"")
        }
        let name = e["containerName"]?.stringValue
        if let name, !containers.contains(name) {
          throw fail(
            p + ".containerName", "Invalid value: \"\(name)\": must be one of the container or initContainer names in the pod template")
        }
        let raw = e["values"]?.arrayValue ?? []
        guard !raw.isEmpty else { throw fail(p + ".values", "Invalid value: []: at least one value is required") }
        guard raw.count <= maxValues else { throw fail(p + ".values", "Too many: \(raw.count): must have at most \(maxValues) items") }
        var values: [Int32] = []
        for (j, x) in raw.enumerated() {
          guard let n = x.intValue, n >= Int64(Int32.min), n <= Int64(Int32.max) else {
            throw fail("\(p).values[\(j)]", "expected a 32-bit integer, got \(x.canonicalString)")
          }
          let code = Int32(n)
          if op == "In" && code == 0 { throw fail("\(p).values[\(j)]", "Invalid value: 0: must not be 0 for the In operator") }
          if values.contains(code) { throw fail("\(p).values[\(j)]", "Duplicate value: \(code)") }
          values.append(code)
        }
        if values != values.sorted() {
          throw fail(p + ".values", "Invalid value: [\(values.map(String.init).joined(separator: ","))]: must be ordered")
        }
        rule.onExitCodes = ExitCodes(containerName: name, notIn: op == "NotIn", values: values)
      } else {
        let p = path + ".onPodConditions"
        guard onConditions.count <= maxPatterns else {
          throw fail(p, "Too many: \(onConditions.count): must have at most \(maxPatterns) items")
        }
        for (j, c) in onConditions.enumerated() {
          let type = c["type"]?.stringValue ?? ""
          guard !type.isEmpty else { throw fail("\(p)[\(j)].type", "Required value: name part must be non-empty") }
          guard let status = c["status"]?.stringValue, !status.isEmpty else {
            throw fail("\(p)[\(j)].status", "Required value: valid values: \"False\", \"True\", \"Unknown\"")
          }
          guard ["True", "False", "Unknown"].contains(status) else {
            throw fail("\(p)[\(j)].status", "Unsupported value: \"\(status)\": supported values: \"False\", \"True\", \"Unknown\"")
          }
          rule.onPodConditions.append(PodConditionPattern(type: type, status: status))
        }
      }
      rules.append(rule)
    }
    return PodFailurePolicy(rules: rules)
  }
}
