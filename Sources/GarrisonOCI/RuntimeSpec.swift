/// The OCI runtime-spec `config.json` (v1.2), as Codable value types. Optional fields stay optional so a
/// round trip through Garrison keeps what runc and crun would read; keys follow the spec exactly.
public struct RuntimeSpec: Codable, Equatable, Sendable {
  public var ociVersion: String
  public var process: Process?
  public var root: Root?
  public var hostname: String?
  public var domainname: String?
  public var mounts: [Mount]?
  public var hooks: Hooks?
  public var annotations: [String: String]?
  public var linux: Linux?

  public init(
    ociVersion: String = "1.1.0", process: Process? = nil, root: Root? = nil, hostname: String? = nil,
    mounts: [Mount]? = nil, annotations: [String: String]? = nil, linux: Linux? = nil
  ) {
    self.ociVersion = ociVersion
    self.process = process
    self.root = root
    self.hostname = hostname
    self.mounts = mounts
    self.annotations = annotations
    self.linux = linux
  }

  /// `root`: the container's root filesystem, relative to the bundle or absolute.
  public struct Root: Codable, Equatable, Sendable {
    public var path: String
    public var readonly: Bool?
    public init(path: String, readonly: Bool? = nil) {
      self.path = path
      self.readonly = readonly
    }
  }

  /// A mount in the container's mount namespace.
  public struct Mount: Codable, Equatable, Sendable {
    public var destination: String
    public var type: String?
    public var source: String?
    public var options: [String]?
    public init(destination: String, type: String? = nil, source: String? = nil, options: [String]? = nil) {
      self.destination = destination
      self.type = type
      self.source = source
      self.options = options
    }
  }

  /// Lifecycle hooks (kept for round trips; Garrison runs none of them unless told to).
  public struct Hooks: Codable, Equatable, Sendable {
    public var prestart: [Hook]?
    public var createRuntime: [Hook]?
    public var createContainer: [Hook]?
    public var startContainer: [Hook]?
    public var poststart: [Hook]?
    public var poststop: [Hook]?
    public init(
      prestart: [Hook]? = nil, createRuntime: [Hook]? = nil, createContainer: [Hook]? = nil,
      startContainer: [Hook]? = nil, poststart: [Hook]? = nil, poststop: [Hook]? = nil
    ) {
      self.prestart = prestart
      self.createRuntime = createRuntime
      self.createContainer = createContainer
      self.startContainer = startContainer
      self.poststart = poststart
      self.poststop = poststop
    }
  }

  /// One hook command.
  public struct Hook: Codable, Equatable, Sendable {
    public var path: String
    public var args: [String]?
    public var env: [String]?
    public var timeout: Int?
    public init(path: String, args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil) {
      self.path = path
      self.args = args
      self.env = env
      self.timeout = timeout
    }
  }
}
