import Foundation
import GarrisonCore
import NIOSSL

/// The server's TLS context from a PEM certificate chain and key, reloaded when either file changes (checked at
/// most once a second, when a connection arrives): a rotated certificate (cert-manager, a Secret volume update) is
/// served to new connections without a restart. A reload that fails keeps the last good context and says why.
final class TLSContextSource: @unchecked Sendable {
  let certificatePath: String
  let keyPath: String
  private let lock = Lock()
  private var context: NIOSSLContext
  private var stamp: [Int64]
  private var checked = Date()

  init(certificatePath: String, keyPath: String) throws {
    self.certificatePath = certificatePath
    self.keyPath = keyPath
    stamp = Self.stamp(certificatePath, keyPath)
    context = try Self.load(certificatePath, keyPath)
  }

  /// The context for a new connection.
  func current() -> NIOSSLContext {
    lock.withLock {
      guard Date().timeIntervalSince(checked) >= 1 else { return context }
      checked = Date()
      let now = Self.stamp(certificatePath, keyPath)
      guard now != stamp else { return context }
      do {
        context = try Self.load(certificatePath, keyPath)
        stamp = now
        FileHandle.standardError.write(Data("garrison admission: reloaded the TLS certificate \(certificatePath)\n".utf8))
      } catch {
        FileHandle.standardError.write(Data("garrison admission: warning: keeping the previous certificate: \(error)\n".utf8))
      }
      return context
    }
  }

  /// Modification times (ns) and sizes of both files.
  static func stamp(_ paths: String...) -> [Int64] {
    paths.flatMap { path -> [Int64] in
      var st = stat()
      guard stat(path, &st) == 0 else { return [-1, -1] }
      return [Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec), Int64(st.st_size)]
    }
  }

  static func load(_ certificatePath: String, _ keyPath: String) throws -> NIOSSLContext {
    do {
      let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
      let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
      var config = TLSConfiguration.makeServerConfiguration(
        certificateChain: chain.map { .certificate($0) },
        privateKey: .privateKey(key))
      config.minimumTLSVersion = .tlsv12
      return try NIOSSLContext(configuration: config)
    } catch {
      throw GarrisonError(
        .invalid, operation: "load TLS certificate",
        "cannot use certificate \(certificatePath) with key \(keyPath): \(error)")
    }
  }
}
