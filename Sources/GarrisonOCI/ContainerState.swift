import GarrisonCore

/// The OCI `state` output: what `runc state` prints.
public struct ContainerState: Codable, Equatable, Sendable {
  /// `creating`, `created`, `running`, `stopped`.
  public var status: String
  public var ociVersion: String
  public var id: String
  public var pid: Int32?
  public var bundle: String
  public var annotations: [String: String]?
  public init(
    status: String, ociVersion: String = RuntimeSpecVersion.implemented, id: String, pid: Int32?, bundle: String,
    annotations: [String: String]? = nil
  ) {
    self.status = status
    self.ociVersion = ociVersion
    self.id = id
    self.pid = pid
    self.bundle = bundle
    self.annotations = annotations
  }
}
