import GarrisonCore

/// `metadata` of an object or of a pod template.
public struct ObjectMeta: Equatable, Sendable {
  public var name: String?
  public var generateName: String?
  public var namespace: String?
  public var uid: String?
  public var labels: [String: String] = [:]
  public var annotations: [String: String] = [:]
  public init(name: String? = nil, namespace: String? = nil) {
    self.name = name
    self.namespace = namespace
  }

  static let ignoredFields = [
    "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
    "ownerReferences", "finalizers", "managedFields", "selfLink",
  ]

  static func decode(_ r: NodeReader) throws -> ObjectMeta {
    var m = ObjectMeta(name: try r.string("name"), namespace: try r.string("namespace"))
    m.generateName = try r.string("generateName")
    m.uid = try r.string("uid")
    m.labels = try r.stringMap("labels")
    m.annotations = try r.stringMap("annotations")
    r.ignore(ignoredFields)
    if let n = m.name, !Names.isDNSSubdomain(n) {
      throw r.error("name", "Invalid value: \"\(n)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", node: r.value("name"))
    }
    if let ns = m.namespace, !Names.isDNSLabel(ns) {
      throw r.error("namespace", "Invalid value: \"\(ns)\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'", node: r.value("namespace"))
    }
    return m
  }
}
