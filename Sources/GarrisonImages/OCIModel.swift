/// OCI media types Garrison reads and writes.
public enum MediaType {
  public static let imageIndex = "application/vnd.oci.image.index.v1+json"
  public static let imageManifest = "application/vnd.oci.image.manifest.v1+json"
  public static let imageConfig = "application/vnd.oci.image.config.v1+json"
  public static let layerTar = "application/vnd.oci.image.layer.v1.tar"
  public static let layerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
  public static let layerTarZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
  /// Docker schema 2 equivalents found in archives written by older tools.
  public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
  public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
  public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
  public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

  static let indexTypes: Set<String> = [imageIndex, dockerManifestList]
  static let manifestTypes: Set<String> = [imageManifest, dockerManifest]
}

/// Annotation keys with a meaning in the image layout.
public enum AnnotationKey {
  /// The reference name (`busybox:latest`) of a manifest listed in `index.json`.
  public static let refName = "org.opencontainers.image.ref.name"
  /// containerd's full image name, preferred over a bare-tag `ref.name` when importing.
  public static let containerdImageName = "io.containerd.image.name"
  public static let created = "org.opencontainers.image.created"
}

/// An OCI platform (`os`/`architecture`/`variant`).
public struct Platform: Codable, Hashable, Sendable {
  public var architecture: String
  public var os: String
  public var variant: String?

  public init(architecture: String, os: String, variant: String? = nil) {
    self.architecture = architecture
    self.os = os
    self.variant = variant
  }

  /// The platform this binary was built for, in OCI (Go) architecture names.
  public static var current: Platform {
    #if arch(x86_64)
      return Platform(architecture: "amd64", os: "linux")
    #elseif arch(arm64)
      return Platform(architecture: "arm64", os: "linux", variant: "v8")
    #else
      return Platform(architecture: "unknown", os: "linux")
    #endif
  }
}

/// An OCI content descriptor: what a blob is, its digest and size.
public struct Descriptor: Codable, Hashable, Sendable {
  public var mediaType: String
  public var digest: Digest
  public var size: Int64
  public var annotations: [String: String]?
  public var platform: Platform?

  public init(
    mediaType: String, digest: Digest, size: Int64, annotations: [String: String]? = nil,
    platform: Platform? = nil
  ) {
    self.mediaType = mediaType
    self.digest = digest
    self.size = size
    self.annotations = annotations
    self.platform = platform
  }
}

/// `index.json` of an image layout, or an image index blob.
public struct ImageIndex: Codable, Sendable {
  public var schemaVersion: Int
  public var mediaType: String?
  public var manifests: [Descriptor]
  public var annotations: [String: String]?

  public init(manifests: [Descriptor] = []) {
    self.schemaVersion = 2
    self.mediaType = MediaType.imageIndex
    self.manifests = manifests
  }
}

/// An OCI image manifest: one config blob and the ordered layers (base first).
public struct ImageManifest: Codable, Sendable {
  public var schemaVersion: Int
  public var mediaType: String?
  public var config: Descriptor
  public var layers: [Descriptor]
  public var annotations: [String: String]?

  public init(config: Descriptor, layers: [Descriptor], annotations: [String: String]? = nil) {
    self.schemaVersion = 2
    self.mediaType = MediaType.imageManifest
    self.config = config
    self.layers = layers
    self.annotations = annotations
  }
}

/// The `oci-layout` file.
struct ImageLayoutMarker: Codable {
  var imageLayoutVersion: String
}
