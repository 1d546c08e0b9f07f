import Foundation
import GarrisonCore
import GarrisonImages
import GarrisonKernel
import GarrisonTestSupport
import Testing

/// A ByteSource over memory.
final class MemorySource: ByteSource {
  var bytes: [UInt8]
  var offset = 0
  init(_ bytes: [UInt8]) { self.bytes = bytes }
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let n = min(buffer.count, bytes.count - offset, 700)  // small chunks exercise buffering
    bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
    offset += n
    return n
  }
  func close() throws {}
}

@Suite struct TarTests {
  @Test func roundTripsWriterOutput() throws {
    var w = TarWriter()
    let long = String(repeating: "d/", count: 70) + "file"
    w.file(long, "hello")
    w.symlink("link", to: String(repeating: "t", count: 150))
    w.append(TarEntry(path: "dev", kind: .characterDevice, mode: 0o600, deviceMajor: 1, deviceMinor: 3))
    let archive = w.finish()
    let reader = TarReader(source: MemorySource(archive))
    let a = try #require(try reader.next())
    #expect(a.path == long)
    #expect(String(decoding: try reader.readAll(), as: UTF8.self) == "hello")
    let b = try #require(try reader.next())
    #expect(b.kind == .symbolicLink && b.linkName.count == 150)
    let c = try #require(try reader.next())
    #expect(c.kind == .characterDevice && c.deviceMajor == 1 && c.deviceMinor == 3)
    #expect(try reader.next() == nil)
    try reader.finish()
    #expect(reader.digest == Digest.of(archive))
  }

  @Test func readsGNUTarLongNamesAndPax() throws {
    let s = try Scratch("tar")
    defer { s.remove() }
    let deep = s.path + "/src/" + String(repeating: "x", count: 120)
    try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
    try Data("data".utf8).write(to: URL(fileURLWithPath: deep + "/f"))
    for format in ["gnu", "posix", "ustar"] where format != "ustar" {
      let out = s.path + "/\(format).tar"
      let tar = try TestProcess.run("/usr/bin/tar", ["--format=\(format)", "-cf", out, "-C", s.path + "/src", "."])
      #expect(tar.status == 0, "\(tar.output)")
      let reader = TarReader(source: try FileDescriptorSource(path: out))
      var paths: [String] = []
      while let e = try reader.next() { paths.append(e.path) }
      try reader.finish()
      #expect(paths.contains("./" + String(repeating: "x", count: 120) + "/f"), "\(format): \(paths)")
    }
  }

  @Test func refusesCorruptHeaders() throws {
    var w = TarWriter()
    w.file("a", "x")
    var archive = w.finish()
    archive[10] ^= 0x55  // breaks the checksum
    let reader = TarReader(source: MemorySource(archive))
    #expect(throws: GarrisonError.self) { try reader.next() }
    var big = TarWriter()
    big.file("big", String(repeating: "z", count: 1000))
    let truncated = TarReader(source: MemorySource(Array(big.finish().prefix(700))))
    _ = try truncated.next()
    #expect(throws: GarrisonError.self) { try truncated.readAll() }
    // No end-of-archive marker: refused rather than taken as complete.
    let unterminated = TarReader(source: MemorySource(Array(big.bytes.prefix(512 + 1024))))
    _ = try unterminated.next()
    #expect(throws: GarrisonError.self) { try unterminated.next() }
  }

  @Test(arguments: ["../x", "a/../../x", "a/.."])
  func safePathRefusesDotDot(path: String) {
    #expect(throws: GarrisonError.self) { try ContainedPath.components(path, operation: "extract") }
  }

  @Test func safePathNeutralisesAbsolute() throws {
    #expect(try ContainedPath.components("/etc/x", operation: "extract") == ["etc", "x"])
    #expect(try ContainedPath.components("./a//b/.", operation: "extract") == ["a", "b"])
  }
}
