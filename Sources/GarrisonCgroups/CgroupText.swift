import GarrisonCore

/// Parsers for cgroup control file contents as read into a byte buffer (`FileIO.read(at:_:into:)`): no `String`
/// per line or field, so a scrape of many containers does not allocate per counter.
enum CgroupText {
  /// Lines in `bytes` (`cgroup.procs`, `cgroup.threads`, `tasks`): newlines, plus one for a last line without one.
  static func lineCount(_ bytes: ArraySlice<UInt8>) -> Int {
    var n = 0
    for b in bytes where b == 0x0A { n += 1 }
    if let last = bytes.last, last != 0x0A { n += 1 }
    return n
  }

  /// The unsigned decimal number in `bytes` (trailing newline and spaces allowed); nil for anything else.
  static func number(_ bytes: ArraySlice<UInt8>) -> UInt64? {
    var v: UInt64 = 0
    var digits = 0
    var end = bytes.endIndex
    while end > bytes.startIndex, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x20 { end -= 1 }
    for b in bytes[bytes.startIndex..<end] {
      guard b >= 0x30 && b <= 0x39 else { return nil }
      let (m, o1) = v.multipliedReportingOverflow(by: 10)
      let (a, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
      if o1 || o2 { return nil }
      v = a
      digits += 1
    }
    return digits > 0 ? v : nil
  }

  /// Whether `bytes` (trimmed) is exactly `word` (`max` in `memory.max`, `pids.max`).
  static func isWord(_ bytes: ArraySlice<UInt8>, _ word: StaticString) -> Bool {
    var end = bytes.endIndex
    while end > bytes.startIndex, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x20 { end -= 1 }
    let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
    return bytes[bytes.startIndex..<end].elementsEqual(w)
  }

  /// The values of `keys` in `key value` lines (`memory.stat`, `cpu.stat`, `memory.events`,
  /// `memory.oom_control`), nil for a key that is absent. A line whose value is not a number is a `.syntax` error
  /// naming `file`; other keys are skipped without being decoded.
  static func keyed(_ bytes: ArraySlice<UInt8>, _ keys: [StaticString], file: String) throws -> [UInt64?] {
    var out = [UInt64?](repeating: nil, count: keys.count)
    var i = bytes.startIndex
    while i < bytes.endIndex {
      var eol = i
      while eol < bytes.endIndex, bytes[eol] != 0x0A { eol += 1 }
      var sp = i
      while sp < eol, bytes[sp] != 0x20 { sp += 1 }
      if sp < eol {
        let key = bytes[i..<sp]
        for (k, want) in keys.enumerated() where out[k] == nil {
          let w = UnsafeBufferPointer(start: want.utf8Start, count: want.utf8CodeUnitCount)
          guard key.elementsEqual(w) else { continue }
          guard let v = number(bytes[(sp + 1)..<eol]) else {
            throw GarrisonError(
              .syntax, operation: "parse cgroup counters",
              "unexpected counter line \"\(String(decoding: bytes[i..<eol], as: UTF8.self))\" in \(file)")
          }
          out[k] = v
          break
        }
      }
      i = eol + 1
    }
    return out
  }

  /// v2 `cpu.max` (`max 100000` or `50000 100000`): quota (nil: unlimited) and period; nil when malformed.
  static func quota(_ bytes: ArraySlice<UInt8>) -> (quota: UInt64?, period: UInt64)? {
    guard let sp = bytes.firstIndex(of: 0x20), let period = number(bytes[(sp + 1)...]) else { return nil }
    let q = bytes[bytes.startIndex..<sp]
    if isWord(q, "max") { return (nil, period) }
    guard let quota = number(q) else { return nil }
    return (quota, period)
  }
}
