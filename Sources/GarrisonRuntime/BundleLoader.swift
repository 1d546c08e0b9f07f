#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel
import GarrisonOCI
import Glibc

/// Reads a bundle's `config.json` (`RuntimeSpecReader`, else `JSONDecoder`), turning JSON and type errors into
/// `GarrisonError`s that name the field.
public enum BundleLoader {
  /// Loads and decodes `<bundle>/config.json`.
  public static func load(bundle: String) throws -> RuntimeSpec {
    let path = PathName.join(bundle, "config.json")
    guard let data = FileManager.default.contents(atPath: path) else {
      throw GarrisonError(.notFound, operation: "read \(path)", "bundle has no readable config.json")
    }
    return try decode(data, file: path)
  }

  /// Decodes config.json bytes, refusing a runtime-spec field garrison-oci does not enforce
  /// (`UnsupportedSpecFields`).
  public static func decode(_ data: Data, file: String = "config.json") throws -> RuntimeSpec {
    let json = try? JSONParser.parse(Array(data))
    if let json, let (field, what) = UnsupportedSpecFields.find(in: json).first {
      throw GarrisonError(.unenforceable, "\(file): \(what) is not supported by garrison-oci", field: field)
    }
    // The Codable-free reader takes what it is sure of; JSONDecoder decides (and names the field) otherwise.
    if let json, let spec = RuntimeSpecReader.read(json) { return spec }
    do {
      return try JSONDecoder().decode(RuntimeSpec.self, from: data)
    } catch let error as DecodingError {
      throw describe(error, file: file)
    }
  }

  static func describe(_ error: DecodingError, file: String) -> GarrisonError {
    func path(_ keys: [any CodingKey]) -> FieldPath {
      FieldPath(keys.map { key in key.intValue.map { .index($0) } ?? .field(key.stringValue) })
    }
    switch error {
    case .dataCorrupted(let ctx):
      return GarrisonError(
        .syntax, "\(file): invalid JSON: \(ctx.debugDescription)",
        field: path(ctx.codingPath))
    case .keyNotFound(let key, let ctx):
      return GarrisonError(
        .invalid, "\(file): required field \(key.stringValue) is missing",
        field: path(ctx.codingPath + [key]))
    case .typeMismatch(let type, let ctx):
      return GarrisonError(.invalid, "\(file): expected \(type)", field: path(ctx.codingPath))
    case .valueNotFound(let type, let ctx):
      return GarrisonError(.invalid, "\(file): expected \(type), found null", field: path(ctx.codingPath))
    @unknown default:
      return GarrisonError(.invalid, "\(file): \(error)")
    }
  }
}
