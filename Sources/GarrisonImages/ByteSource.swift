import Foundation
import GarrisonCore

#if canImport(Glibc)
  import Glibc
#endif

/// Something bytes can be read from sequentially (a file, a decompressor's pipe).
public protocol ByteSource: AnyObject {
  /// Reads up to `buffer.count` bytes; returns 0 at end of stream.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
  /// Releases the source; for a decompressor, checks that it exited cleanly (only after reading to the end).
  func close() throws
}

/// Reads a file descriptor with `read(2)`, retrying on EINTR.
public final class FileDescriptorSource: ByteSource {
  private var fd: Int32
  private let what: String

  /// Opens `path` read-only. Unless `followSymlinks` is set (for a file the user named on the command line),
  /// `O_NOFOLLOW` makes a final symlink fail: store files are never reached through one.
  public init(path: String, followSymlinks: Bool = false) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW))
    guard fd >= 0 else {
      let e = errno
      throw GarrisonError(e == ENOENT ? .notFound : .system, operation: "open", "cannot open `\(path)`", errno: e)
    }
    self.fd = fd
    self.what = path
  }

  /// Takes ownership of an open descriptor.
  public init(fd: Int32, what: String) {
    self.fd = fd
    self.what = what
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    while true {
      let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
      if n >= 0 { return n }
      if errno == EINTR { continue }
      throw GarrisonError(.system, operation: "read", "cannot read `\(what)`", errno: errno)
    }
  }

  public func close() throws {
    if fd >= 0 { _ = Glibc.close(fd) }  // read-only descriptor: close errors carry no data loss
    fd = -1
  }

  deinit { if fd >= 0 { _ = Glibc.close(fd) } }
}

/// Decompresses a gzip file by streaming it through `gzip -dc` (Foundation has no gzip; the `gzip` tool
/// is always present on Debian and is a simpler dependency than a zlib system-library target).
/// `close()` fails unless gzip exited 0, so a truncated or corrupt stream is never accepted.
public final class GzipSource: ByteSource {
  private let process = Process()
  private let output: FileDescriptorSource
  private let errorPipe = Pipe()
  private let path: String
  private var finished = false

  public init(path: String) throws {
    self.path = path
    let input = try FileDescriptorSource.openHandle(path)
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: GzipSource.gzipPath)
    process.arguments = ["-dc"]
    process.standardInput = input
    process.standardOutput = pipe
    process.standardError = errorPipe
    do { try process.run() } catch {
      throw GarrisonError(.system, operation: "spawn gzip", "cannot run \(GzipSource.gzipPath): \(error)")
    }
    try? input.close()  // the child holds its own copy; closing ours cannot lose data
    try? pipe.fileHandleForWriting.close()
    output = FileDescriptorSource(fd: dup(pipe.fileHandleForReading.fileDescriptor), what: "gzip -dc \(path)")
    try? pipe.fileHandleForReading.close()
  }

  static let gzipPath = ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/gzip"

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    try output.read(into: buffer)
  }

  public func close() throws {
    guard !finished else { return }
    finished = true
    try output.close()
    process.waitUntilExit()
    let message = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
      throw GarrisonError(
        .invalid, operation: "gunzip", "corrupt gzip stream in `\(path)`: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
  }

  deinit {
    if !finished {
      if process.isRunning { process.terminate() }
      process.waitUntilExit()
    }
  }
}

extension FileDescriptorSource {
  static func openHandle(_ path: String) throws -> FileHandle {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else {
      let e = errno
      throw GarrisonError(e == ENOENT ? .notFound : .system, operation: "open", "cannot open `\(path)`", errno: e)
    }
    return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
  }
}

/// Compression of a file, told from its first bytes.
public enum Compression: Sendable {
  case none, gzip, zstd

  /// Sniffs the magic number of `path`.
  public static func detect(path: String) throws -> Compression {
    let src = try FileDescriptorSource(path: path)
    defer { try? src.close() }
    var magic = [UInt8](repeating: 0, count: 4)
    let n = try magic.withUnsafeMutableBytes { try src.read(into: $0) }
    if n >= 2, magic[0] == 0x1f, magic[1] == 0x8b { return .gzip }
    if n >= 4, magic == [0x28, 0xb5, 0x2f, 0xfd] { return .zstd }
    return .none
  }

  /// Opens `path` for reading its decompressed content.
  public static func open(path: String) throws -> any ByteSource {
    switch try detect(path: path) {
    case .none: return try FileDescriptorSource(path: path)
    case .gzip: return try GzipSource(path: path)
    case .zstd:
      throw GarrisonError(.unenforceable, operation: "decompress", "zstd-compressed layers are not supported (`\(path)`)")
    }
  }
}
