import GarrisonCore

/// Shorthands for the `GarrisonError`s this module throws.
enum LSMErrors {
  static func invalid(_ operation: String, _ message: String, field: FieldPath? = nil) -> GarrisonError {
    GarrisonError(.invalid, operation: operation, message, field: field)
  }
}
