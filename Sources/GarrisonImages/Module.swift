/// Namespace of the GarrisonImages module: Garrison's local OCI image store.
///
/// - ``ImageStore``: an OCI image layout under `$GARRISON_ROOT/images`; import (rootfs tarballs and OCI archives,
///   every blob verified against its descriptor, staged under `images/tmp` and renamed into place), list, remove
///   with garbage collection, and ``ImageStore/unpack(_:)-(String)`` into `images/layers/<diffid>/`.
/// - ``LayerExtractor`` + ``TarReader``: a Swift tar reader (ustar, pax, GNU long names) and an extractor that
///   never follows a symlink while writing and converts OCI whiteouts to overlayfs form.
/// - ``RootfsBuilder``: overlayfs parameters for a container (mounted by the container init).
/// - ``ImageConfig``: Entrypoint/Cmd/Env/User/WorkingDir with Kubernetes command/args semantics.
///
/// Gzip: layers and archives are decompressed by streaming through `gzip -dc` (``GzipSource``). Foundation has no
/// gzip, and the `gzip` tool is part of every Debian base system; linking zlib through a system-library target
/// would add a C surface for no gain in safety (the tar stream is parsed by our own reader either way, and a
/// non-zero gzip exit fails the import or unpack).
public enum GarrisonImagesModule {}
