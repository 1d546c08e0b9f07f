import CGarrisonKeeper

/// One container stream copied into its CRI log file exactly as `ContainerLogWriter` copies it: reads of up to
/// 16 KiB, every complete line written as `<time> <stream> F <line>`, and what is left once 16 KiB or more of a line
/// is pending written as one `P` line (at EOF too). The bytes of an unfinished line are handed back to the
/// worker at the handover (`pending`), so a line written across a handover is still one `F` line.
struct LogCopy {
  var fd: Int32
  let log: Int32
  let stream: [UInt8]
  var pending: [UInt8]

  /// Reads once (the descriptor polled readable); false at EOF or a read error, when the pipe is closed.
  mutating func pump() -> Bool {
    var buf = [UInt8](repeating: 0, count: 16_384)
    var n = 0
    while true {
      n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 && gr_keeper_errno() == EINTR { continue }
      break
    }
    if n < 0 && gr_keeper_errno() == EAGAIN { return true }
    if n <= 0 {
      if !pending.isEmpty { emit(pending[...], partial: true) }
      pending = []
      close(fd)
      fd = -1
      return false
    }
    pending.append(contentsOf: buf[0..<n])
    var start = 0
    var k = 0
    while k < pending.count {
      if pending[k] == 10 {
        emit(pending[start..<k], partial: false)
        start = k + 1
      }
      k += 1
    }
    if start > 0 { pending.removeFirst(start) }
    if pending.count >= 16_384 {
      emit(pending[...], partial: true)
      pending = []
    }
    return true
  }

  /// Writes one log line (short writes and EINTR retried; the file is `O_APPEND`).
  func emit(_ bytes: ArraySlice<UInt8>, partial: Bool) {
    var line: [UInt8] = []
    line.reserveCapacity(bytes.count + 40)
    Timestamp.now(into: &line)
    line.append(UInt8(ascii: " "))
    line.append(contentsOf: stream)
    line.append(UInt8(ascii: " "))
    line.append(partial ? UInt8(ascii: "P") : UInt8(ascii: "F"))
    line.append(UInt8(ascii: " "))
    line.append(contentsOf: bytes)
    line.append(10)
    var off = 0
    while off < line.count {
      let n = line.withUnsafeBytes { write(log, $0.baseAddress! + off, $0.count - off) }
      if n < 0 && gr_keeper_errno() == EINTR { continue }
      if n <= 0 { break }
      off += n
    }
  }
}
