import Foundation
import GarrisonCore

/// Bytes set aside until they can be written, outside memory: an unlinked temporary file (`tmpfile`, gone when it
/// is closed or the process ends), or memory when no such file can be made. A streamed SARIF report's results wait
/// here until the run is over, since the invocation (whether the input held errors) precedes them in the document:
/// memory stays flat as the input grows.
final class SpillFile {
  private var file: UnsafeMutablePointer<FILE>?
  /// The pieces held in memory when there is no file.
  private var held: [OwnedBytes] = []
  /// Whether nothing was appended.
  private(set) var isEmpty = true

  /// A spill into a temporary file; `inMemory` keeps the bytes in memory instead (for tests of that path).
  init(inMemory: Bool = false) {
    file = inMemory ? nil : tmpfile()
  }

  deinit {
    if let file { fclose(file) }
  }

  /// Sets `bytes` aside after those before.
  func append(_ bytes: OwnedBytes) throws {
    guard !bytes.isEmpty else { return }
    isEmpty = false
    guard let file else { return held.append(bytes) }
    let written = bytes.withBytes { b in fwrite(b.baseAddress, 1, b.count, file) }
    guard written == bytes.count else { throw Self.failure("write", errno) }
  }

  /// Hands everything set aside to `sink`, in order, a piece at a time (each valid only during its call).
  func drain(_ sink: (UnsafeRawBufferPointer) -> Void) throws {
    guard let file else {
      for piece in held { piece.withBytes { sink(UnsafeRawBufferPointer($0)) } }
      return
    }
    guard fflush(file) == 0, fseek(file, 0, SEEK_SET) == 0 else { throw Self.failure("rewind", errno) }
    let chunk = 1 << 20
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let n = fread(buffer, 1, chunk, file)
      if n > 0 { sink(UnsafeRawBufferPointer(start: buffer, count: n)) }
      if n < chunk {
        guard ferror(file) == 0 else { throw Self.failure("read", errno) }
        return
      }
    }
  }

  private static func failure(_ what: String, _ errno: Int32) -> GarrisonError {
    GarrisonError(.system, operation: "lint", "cannot \(what) the temporary file holding the SARIF results", errno: errno)
  }
}
