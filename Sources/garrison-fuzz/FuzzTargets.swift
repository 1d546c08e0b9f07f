import FoundationEssentials
import Glibc
import GarrisonAudit
import GarrisonCore
import GarrisonInitProtocol
import GarrisonManifest
import GarrisonOCI

#if canImport(Glibc)
  import Glibc
#endif

/// The fuzz targets. Each one is a parser that reads hostile input; beyond "no crash, hang or leak" each checks
/// a property its callers rely on (a round trip, or agreement with the decoder it stands in for).
enum FuzzTargets {
  static let all: [FuzzTarget] = [json, yaml, quantity, runtimeSpec, initSpec, audit, TarTarget.target]
  static var names: [String] { all.map(\.name) }
  static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

  /// GarrisonCore's JSONParser; the canonical form of what it accepts must parse back to itself, and whatever
  /// the audit verifier's CanonicalJSONScanner accepts as canonical must parse to exactly its bytes.
  static let json = FuzzTarget(
    "json",
    "JSONParser.parse; canonical bytes re-parse to the same canonical bytes; CanonicalJSONScanner never accepts a non-canonical form"
  ) { input in
    let buf = input.bindMemory(to: UInt8.self)
    if CanonicalJSONScanner.members(buf) != nil {
      let parsed: JSONValue
      do { parsed = try JSONParser.parse(buf) } catch { FuzzDriver.fail("the scanner accepted what the parser refuses: \(error)") }
      if !parsed.canonicalBytes.elementsEqual(buf) { FuzzDriver.fail("the scanner accepted a non-canonical form") }
    }
    let value: JSONValue
    do { value = try JSONParser.parse(buf) } catch { return false }
    let canonical = value.canonicalBytes
    let again: JSONValue
    do { again = try JSONParser.parse(canonical) } catch {
      FuzzDriver.fail("the canonical form does not parse: \(error)")
    }
    if again.canonicalBytes != canonical { FuzzDriver.fail("the canonical form is not a fixed point") }
    return true
  }

  /// A manifest file end to end: document splitting, the libyaml composer, NodeReader and the object decoders.
  static let yaml = FuzzTarget("yaml", "ManifestLoader.parse(text:file:) of one .yaml file (composer, NodeReader, decoders)") { input in
    let text = String(decoding: input, as: UTF8.self)
    let result = ManifestLoader.parse(text: text, file: "fuzz.yaml")
    // Every error must carry a position (what `file:line:col: error:` prints).
    for e in result.errors where e.location == nil { FuzzDriver.fail("error without a location: \(e)") }
    return !result.objects.isEmpty
  }

  /// Kubernetes resource quantities.
  static let quantity = FuzzTarget("quantity", "Quantity(parsing:), value, milliValue") { input in
    let text = String(decoding: input, as: UTF8.self)
    guard let q = try? Quantity(parsing: text) else { return false }
    _ = q.value
    _ = q.milliValue
    if q != q || q < q { FuzzDriver.fail("quantity is not equal to itself") }
    return true
  }

  /// config.json: RuntimeSpecReader promises to return only what JSONDecoder would.
  static let runtimeSpec = FuzzTarget("runtime-spec", "RuntimeSpecReader.read; a spec it returns equals JSONDecoder's") { input in
    let bytes = Array(input.bindMemory(to: UInt8.self))
    guard let spec = RuntimeSpecReader.read(bytes) else { return false }
    let decoded: RuntimeSpec
    do { decoded = try JSONDecoder().decode(RuntimeSpec.self, from: Data(bytes)) } catch {
      FuzzDriver.fail("RuntimeSpecReader accepted what JSONDecoder rejects: \(error)")
    }
    if decoded != spec { FuzzDriver.fail("RuntimeSpecReader and JSONDecoder disagree") }
    return true
  }

  /// The binary init spec garrison-init reads on fd 3: what decodes must survive encode and decode unchanged,
  /// and its encoding must be a fixed point. (Not `encode(decode(x)) == x`: the decoder takes hook annotations
  /// in any order, the encoder writes them sorted.)
  static let initSpec = FuzzTarget("init-spec", "InitSpecWire.decode; decode(encode(s)) == s, encoding a fixed point") { input in
    let bytes = Array(input.bindMemory(to: UInt8.self))
    guard let spec = try? InitSpecWire.decode(bytes) else { return false }
    let encoded = InitSpecWire.encode(spec)
    let again: InitSpec
    do { again = try InitSpecWire.decode(encoded) } catch { FuzzDriver.fail("an encoded spec does not decode: \(error)") }
    if again != spec { FuzzDriver.fail("InitSpecWire round trip changed the spec") }
    if InitSpecWire.encode(again) != encoded { FuzzDriver.fail("InitSpecWire encoding is not a fixed point") }
    return true
  }

  /// One audit segment file through AuditReader (line split, RecordFrame, AuditRecord); each record read must
  /// re-read identically from its canonical body (the bytes the hash chain covers). The verifier (fast path and
  /// threads included) runs over the same segment and must not accept a record the reader refuses.
  static let audit = FuzzTarget(
    "audit", "AuditReader.forEachRecord over one segment; AuditRecord(body: r.body) == r",
    setUp: AuditFile.open
  ) { input in
    let path = AuditFile.write(input)
    var records = 0
    do {
      try AuditReader.forEachRecord(in: path) { (record, _) throws(GarrisonError) -> Bool in
        let body = record.body
        let again: AuditRecord
        do throws(GarrisonError) {
          again = try body.withUnsafeBufferPointer { (b) throws(GarrisonError) in try AuditRecord(body: b) }
        } catch {
          FuzzDriver.fail("a record's canonical body does not read back: \(error.message)")
        }
        if again != record || again.body != body { FuzzDriver.fail("a record changed through its canonical body") }
        records += 1
        return true
      }
    } catch {}
    AuditFile.writeSegment(input)
    if let verified = try? AuditVerifier.verify(directory: AuditFile.directory), verified.ok, verified.records != records {
      FuzzDriver.fail("the verifier accepted \(verified.records) records where the reader read \(records)")
    }
    return records > 0
  }
}

/// The segment file the audit target reads: an unlinked file reached as /proc/self/fd/N (no file is left).
enum AuditFile {
  nonisolated(unsafe) static var fd: Int32 = -1

  /// A directory holding the input as segment 1, for the verifier (removed at exit).
  nonisolated(unsafe) static var directory = ""

  static func open() {
    var dirTemplate = Array("/dev/shm/garrison-fuzz-audit-dir.XXXXXX".utf8CString)
    guard let made = dirTemplate.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      FuzzDriver.die("mkdtemp: \(String(cString: strerror(errno)))")
    }
    directory = String(cString: made)
    atexit {
      unlink(AuditFile.directory + "/" + Segments.name(1))
      rmdir(AuditFile.directory)
    }
    var template = Array("/dev/shm/garrison-fuzz-audit.XXXXXX".utf8CString)
    fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    if fd < 0 { FuzzDriver.die("mkstemp: \(String(cString: strerror(errno)))") }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
  }

  static func write(_ input: UnsafeRawBufferPointer) -> String {
    guard ftruncate(fd, 0) == 0, input.isEmpty || pwrite(fd, input.baseAddress, input.count, 0) == input.count else {
      FuzzDriver.die("cannot write the audit scratch file: \(String(cString: strerror(errno)))")
    }
    return "/proc/self/fd/\(fd)"
  }

  static func writeSegment(_ input: UnsafeRawBufferPointer) {
    let path = directory + "/" + Segments.name(1)
    let out = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard out >= 0, input.isEmpty || Glibc.write(out, input.baseAddress, input.count) == input.count else {
      FuzzDriver.die("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    close(out)
  }
}
