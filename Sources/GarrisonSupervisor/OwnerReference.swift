/// `metadata.ownerReferences[]`: which controller object owns a ReplicaSet or a pod.
public struct OwnerReference: Codable, Sendable, Equatable {
  public var apiVersion: String
  public var kind: String
  public var name: String
  public var uid: String
  public var controller: Bool
  public init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool = true) {
    self.apiVersion = apiVersion
    self.kind = kind
    self.name = name
    self.uid = uid
    self.controller = controller
  }
}
