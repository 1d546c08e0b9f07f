/// A pod or container's `securityContext.seLinuxOptions`: the four label components, each optional. One type for
/// the manifest model (GarrisonManifest decodes it), the label resolver (GarrisonLSM) and the PSS check.
public struct SELinuxOptions: Hashable, Codable, Sendable {
  public var user: String?
  public var role: String?
  public var type: String?
  public var level: String?

  public init(user: String? = nil, role: String? = nil, type: String? = nil, level: String? = nil) {
    self.user = user
    self.role = role
    self.type = type
    self.level = level
  }
}
