import Foundation

/// Validates JSON documents against a JSON Schema file with python3's `jsonschema` (the validator the schema's
/// `$schema` names). Use with the ``HostTools/jsonSchema`` trait.
public enum JSONSchemaCheck {
  static let script = """
    import json, sys, jsonschema
    def strict(s):
        if isinstance(s, dict):
            s = {k: strict(v) for k, v in s.items()}
            if "properties" in s and "additionalProperties" not in s:
                s["additionalProperties"] = False
        elif isinstance(s, list):
            s = [strict(x) for x in s]
        return s
    schema = json.load(open(sys.argv[1]))
    schemas = [schema, strict(schema)] if sys.argv[3] == "strict" else [schema]
    formats = jsonschema.FormatChecker() if sys.argv[4] == "formats" else None
    validators = [jsonschema.validators.validator_for(s)(s, format_checker=formats) for s in schemas]
    for line in open(sys.argv[2]):
        doc = json.loads(line)
        errors = [e for v in validators for e in v.iter_errors(doc)]
        print(json.dumps(None if not errors else errors[0].message))
    """

  /// For each of `documents` (one JSON value each), nil when it is valid against the schema at `schema`, else
  /// the first error. `strict` also validates with `additionalProperties: false` wherever an object lists its
  /// properties, so a field the schema does not know is an error. `formats` also checks `format` keywords.
  public static func errors(documents: [String], schema: String, strict: Bool = false, formats: Bool = true) throws -> [String?] {
    let scratch = try ScratchDirectory("schema-check")
    defer { scratch.remove() }
    // One document per line: re-serialise each (pretty-printed output spans lines).
    var lines: [String] = []
    for document in documents {
      let value = try JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed])
      lines.append(String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self))
    }
    let input = try scratch.write("documents.jsonl", lines.joined(separator: "\n") + "\n")
    let result = try TestProcess.run(
      "/usr/bin/python3",
      [
        "-c", script, schema, input, strict ? "strict" : "plain",
        formats ? "formats" : "no-formats",
      ])
    guard result.status == 0 else { throw CheckFailed(message: result.output) }
    let answers = result.stdout.split(separator: "\n").map { line -> String? in
      (try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])) as? String
    }
    guard answers.count == documents.count else {
      throw CheckFailed(message: "validator answered \(answers.count) of \(documents.count): \(result.output)")
    }
    return answers
  }

  /// The validator itself failed (bad schema, bad JSON).
  public struct CheckFailed: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
  }
}
