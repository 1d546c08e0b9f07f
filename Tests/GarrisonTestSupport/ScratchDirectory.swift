import Foundation

/// A unique scratch directory under /var/tmp (`/var/tmp/garrison-<label>-<pid>-<random>`), removed by ``remove()``.
public struct ScratchDirectory: Sendable {
  public let path: String

  public init(_ label: String) throws {
    path = "/var/tmp/garrison-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// Writes `bytes` to `name` inside the directory and returns its path.
  @discardableResult
  public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    let file = path + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    return file
  }

  /// Writes `text` to `name` inside the directory and returns its path.
  @discardableResult
  public func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }

  /// Removes the directory and everything in it.
  public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
