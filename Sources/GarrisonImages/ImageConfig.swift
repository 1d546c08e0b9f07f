/// The execution parameters of an image (`config` in the OCI image configuration).
///
/// The pod runner combines them with the container spec like Kubernetes does: see ``processArgs(command:args:)``.
public struct ImageConfig: Codable, Hashable, Sendable {
  public var user: String?
  public var exposedPorts: [String: EmptyObject]?
  public var env: [String]?
  public var entrypoint: [String]?
  public var cmd: [String]?
  public var volumes: [String: EmptyObject]?
  public var workingDir: String?
  public var labels: [String: String]?
  public var stopSignal: String?

  enum CodingKeys: String, CodingKey {
    case user = "User", exposedPorts = "ExposedPorts", env = "Env", entrypoint = "Entrypoint", cmd = "Cmd"
    case volumes = "Volumes", workingDir = "WorkingDir", labels = "Labels", stopSignal = "StopSignal"
  }

  public init(
    user: String? = nil, exposedPorts: [String: EmptyObject]? = nil, env: [String]? = nil,
    entrypoint: [String]? = nil, cmd: [String]? = nil, workingDir: String? = nil,
    labels: [String: String]? = nil
  ) {
    self.user = user
    self.exposedPorts = exposedPorts
    self.env = env
    self.entrypoint = entrypoint
    self.cmd = cmd
    self.workingDir = workingDir
    self.labels = labels
  }

  /// The default `PATH` given to rootfs-tarball imports.
  public static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

  /// The config given to an image imported from a plain rootfs tarball.
  public static let rootfsDefault = ImageConfig(env: [defaultPath], cmd: ["/bin/sh"], workingDir: "/")

  /// The argv of a container, with Kubernetes semantics (an empty list counts as unset):
  /// - neither `command` nor `args`: image `Entrypoint` + `Cmd`;
  /// - `command` only: `command` (the image `Cmd` is ignored);
  /// - `args` only: image `Entrypoint` + `args`;
  /// - both: `command` + `args`.
  /// Returns an empty array when nothing at all is specified; the caller must refuse that.
  public func processArgs(command: [String]?, args: [String]?) -> [String] {
    let command = (command?.isEmpty ?? true) ? nil : command
    let args = (args?.isEmpty ?? true) ? nil : args
    switch (command, args) {
    case (let c?, let a?): return c + a
    case (let c?, nil): return c
    case (nil, let a?): return (entrypoint ?? []) + a
    case (nil, nil): return (entrypoint ?? []) + (cmd ?? [])
    }
  }

  /// Image `Env` overridden by `overrides` (`NAME=value` pairs, later wins), keeping first-seen order.
  public func mergedEnv(_ overrides: [String]) -> [String] {
    var order: [String] = []
    var values: [String: String] = [:]
    for entry in (env ?? []) + overrides {
      let name = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? entry
      if values[name] == nil { order.append(name) }
      values[name] = entry
    }
    return order.compactMap { values[$0] }
  }
}

/// The `{}` values of `ExposedPorts` and `Volumes`.
public struct EmptyObject: Codable, Hashable, Sendable {
  public init() {}
}

/// One entry of the image history.
public struct HistoryEntry: Codable, Hashable, Sendable {
  public var created: String?
  public var createdBy: String?
  public var comment: String?
  public var emptyLayer: Bool?

  enum CodingKeys: String, CodingKey {
    case created, comment
    case createdBy = "created_by"
    case emptyLayer = "empty_layer"
  }

  public init(created: String? = nil, createdBy: String? = nil, comment: String? = nil) {
    self.created = created
    self.createdBy = createdBy
    self.comment = comment
  }
}

/// The layers' uncompressed digests, in order.
public struct RootFS: Codable, Hashable, Sendable {
  public var type: String
  public var diffIDs: [Digest]

  enum CodingKeys: String, CodingKey {
    case type
    case diffIDs = "diff_ids"
  }

  public init(diffIDs: [Digest]) {
    self.type = "layers"
    self.diffIDs = diffIDs
  }
}

/// The whole OCI image configuration blob.
public struct ImageConfigFile: Codable, Hashable, Sendable {
  public var created: String?
  public var author: String?
  public var architecture: String
  public var os: String
  public var variant: String?
  public var config: ImageConfig?
  public var rootfs: RootFS
  public var history: [HistoryEntry]?

  public init(
    created: String?, architecture: String, os: String, config: ImageConfig?, rootfs: RootFS,
    history: [HistoryEntry]? = nil
  ) {
    self.created = created
    self.architecture = architecture
    self.os = os
    self.config = config
    self.rootfs = rootfs
    self.history = history
  }
}
