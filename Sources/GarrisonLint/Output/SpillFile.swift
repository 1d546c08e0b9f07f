import GarrisonCore
import GarrisonKernel

/// Bytes set aside until they can be written, outside memory: an unnamed temporary file (GarrisonKernel's
/// `AnonymousFile`, gone when it is closed or the process ends), or memory when no such file can be made. A streamed SARIF report's results wait
/// here until the run is over, since the invocation (whether the input held errors) precedes them in the document:
/// memory stays flat as the input grows.
final class SpillFile {
  private let file: AnonymousFile?
  /// The pieces held in memory when there is no file.
  private var held: [OwnedBytes] = []
  /// Whether nothing was appended.
  private(set) var isEmpty = true

  /// A spill into a temporary file; `inMemory` keeps the bytes in memory instead (for tests of that path).
  init(inMemory: Bool = false) {
    file = inMemory ? nil : try? AnonymousFile()
  }

  /// Sets `bytes` aside after those before.
  func append(_ bytes: OwnedBytes) throws {
    guard !bytes.isEmpty else { return }
    isEmpty = false
    guard let file else { return held.append(bytes) }
    do { try bytes.withBytes { try file.append(UnsafeRawBufferPointer($0)) } } catch let error as Errno {
      throw Self.failure("write", error)
    }
  }

  /// Hands everything set aside to `sink`, in order, a piece at a time (each valid only during its call).
  func drain(_ sink: (UnsafeRawBufferPointer) -> Void) throws {
    guard let file else {
      for piece in held { piece.withBytes { sink(UnsafeRawBufferPointer($0)) } }
      return
    }
    do throws(Errno) { try file.readBack(sink) } catch { throw Self.failure("read", error) }
  }

  private static func failure(_ what: String, _ error: Errno) -> GarrisonError {
    GarrisonError(
      .system, operation: "lint", "cannot \(what) the temporary file holding the SARIF results: \(error)",
      errno: error.rawValue)
  }
}
