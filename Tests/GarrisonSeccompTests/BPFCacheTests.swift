import Foundation
import GarrisonCore
import Testing
@testable import GarrisonSeccomp

@Suite struct BPFCacheTests {
  @Test func warmLookupReturnsTheStoredProgram() throws {
    let dir = try Fixtures.scratchDirectory("cache")
    defer { try? FileManager.default.removeItem(atPath: dir) }  // scratch dir cleanup
    let cache = try BPFCache(directory: dir + "/bpf")
    let policy = try Fixtures.runtimeDefault().resolve(forCapabilities: Fixtures.containerdDefaultCaps, arch: .x86_64)
    #expect(try cache.lookup(policy) == nil)
    let cold = try cache.program(for: policy)
    #expect(FileManager.default.fileExists(atPath: try cache.path(for: policy)))
    let warm = try #require(try cache.lookup(policy))
    #expect(warm == cold)
    #expect(warm.sha256 == cold.sha256)
    let other = try Fixtures.runtimeDefault().resolve(forCapabilities: [], arch: .x86_64)
    #expect(try BPFCache.key(for: other) != BPFCache.key(for: policy))
  }

  @Test func worldWritableCacheIsRefused() throws {
    let dir = try Fixtures.scratchDirectory("cache-perm")
    defer { try? FileManager.default.removeItem(atPath: dir) }  // scratch dir cleanup
    #expect(chmod(dir, 0o777) == 0)
    #expect(throws: GarrisonError.self) { try BPFCache(directory: dir) }
  }

  @Test func truncatedProgramIsRejected() {
    #expect(throws: GarrisonError.self) { try BPFProgram(bytes: [1, 2, 3]) }
    #expect(throws: GarrisonError.self) { try BPFProgram(bytes: []) }
  }
}

@Suite struct BPFProgramCodingTests {
  @Test func decodingChecksTheDigest() throws {
    let program = try SeccompCompiler.compile(try Fixtures.runtimeDefault().resolve(forCapabilities: [], arch: .x86_64))
    let data = try JSONEncoder().encode(program)
    #expect(try JSONDecoder().decode(BPFProgram.self, from: data) == program)
    var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var bytes = try #require(object["bytes"] as? [Int])
    bytes[bytes.count - 1] ^= 1
    object["bytes"] = bytes
    let tampered = try JSONSerialization.data(withJSONObject: object)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(BPFProgram.self, from: tampered) }
  }

  @Test func resolvedPolicyRoundTrips() throws {
    let policy = try Fixtures.runtimeDefault().resolve(forCapabilities: Fixtures.containerdDefaultCaps, arch: .x86_64)
    #expect(try JSONDecoder().decode(ResolvedSeccompPolicy.self, from: policy.canonicalJSON()) == policy)
  }
}
