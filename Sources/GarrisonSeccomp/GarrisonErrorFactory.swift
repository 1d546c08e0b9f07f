import GarrisonCore

/// Shorthands for the `GarrisonError`s this module throws.
enum GarrisonErrorFactory {
  static func invalid(_ operation: String, _ message: String, field: FieldPath? = nil) -> GarrisonError {
    GarrisonError(.invalid, operation: operation, message, field: field)
  }
  static func system(_ operation: String, _ message: String, errno: Int32? = nil) -> GarrisonError {
    GarrisonError(.system, operation: operation, message, errno: errno)
  }
}
