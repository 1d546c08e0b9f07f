import ArgumentParser
import GarrisonImages

/// `garrison image import FILE [--name NAME[:TAG]]`.
struct ImageImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Import a rootfs tarball (plain or gzip) or an OCI archive into the image store.",
    discussion: """
      An OCI archive (as written by `podman save --format oci-archive` or `skopeo copy ... oci-archive:FILE`)
      is imported with every blob checked against its descriptor's sha256 digest and size; any mismatch refuses
      the whole archive and leaves the store unchanged. A rootfs tarball becomes a one-layer image with
      Cmd ["/bin/sh"] and a default PATH. Without --name, archive images keep their own names and a tarball is
      named after its file (rootfs.tar.gz -> rootfs:latest).
      """
  )

  @OptionGroup var store: ImageStoreOptions
  @Argument(help: "The tarball or OCI archive to import.") var file: String
  @Option(help: ArgumentHelp("Name the image NAME[:TAG] (tag defaults to latest).", valueName: "NAME[:TAG]")) var name: String?

  func run() throws {
    try ImageCommandSupport.run {
      let reference = try name.map { try ImageReference(parsing: $0) }
      let result = try store.openStore().importFile(file, name: reference)
      for image in result.images {
        ImageCommandSupport.write("imported \(image.reference.nameAndTag) \(image.digest)\n")
      }
    }
  }
}
