#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import GarrisonKernel

/// The append-only, hash-chained audit log in one directory.
///
/// Many processes may append concurrently: every commit takes an exclusive `flock` on `audit.lock`, reads the
/// chain head (cached while the segment is unchanged), repairs a torn final record left by a killed writer
/// (recording an `audit.recovered` event), writes all records in one `write`, `fsync`s, and only then returns
/// their sequence numbers. Threads of one process appending at the same time share commits (`GroupCommit`): one
/// write and one fsync for every append queued meanwhile. Segments rotate by size; the chain continues across them.
/// Every `checkpointEvery` records a checkpoint record (covered seq and head hash) is added.
public final class AuditLog: @unchecked Sendable {
  /// Default segment size before rotation.
  public static let defaultSegmentBytes = 8 << 20
  /// Default number of records between automatic checkpoint records.
  public static let defaultCheckpointEvery = 1000

  public let directory: String
  public let segmentBytes: Int
  public let checkpointEvery: Int
  let hasher: ChainHasher
  let host: String
  let actor: AuditActor
  /// The actor, chain and host of every record, rendered once.
  private let recordWriter: RecordDraft.Writer
  private let threadLock = Lock()  // threads of one process sharing this log (flock is per open file)
  private let commits = GroupCommit()
  private var stats = Statistics()
  /// The same costs for every process appending to this directory (read by the metrics exporter).
  private let sharedStats: AuditWriteStatisticsFile
  private let lockFD: Int32
  private var head: Head?
  private var segmentFD: Int32 = -1
  /// What the most recent recovery cut from the log (nil if nothing was torn).
  public private(set) var lastRecovery: Recovery?

  struct Head {
    var segment: Int
    var segmentSize: Int64
    var inode: UInt
    var seq: UInt64
    /// The last record's chain hash as 64 lowercase hex bytes (the commit writes each record's hash here).
    var hashHex: [UInt8]
    /// The last record's chain hash.
    var hash: String {
      get { String(decoding: hashHex, as: UTF8.self) }
      set { hashHex = Array(newValue.utf8) }
    }

    init(segment: Int, segmentSize: Int64, inode: UInt, seq: UInt64, hash: String) {
      self.segment = segment
      self.segmentSize = segmentSize
      self.inode = inode
      self.seq = seq
      hashHex = Array(hash.utf8)
    }
  }

  /// A torn tail that was cut off when the log was opened or appended to.
  public struct Recovery: Sendable, Hashable {
    public var segment: String
    public var offset: Int64
    public var bytesCut: Int
    public var reason: String
  }

  /// Opens (creating if needed) the log in `directory` and repairs a torn final record.
  /// - Parameters:
  ///   - hmacKey: key for a keyed chain (HMAC-SHA-256); must match how the log was written.
  ///   - segmentBytes: rotate to a new segment once the current one reaches this size.
  ///   - checkpointEvery: add a checkpoint record after every this many records (0 disables).
  public init(
    directory: String, hmacKey: [UInt8]? = nil, segmentBytes: Int = AuditLog.defaultSegmentBytes,
    checkpointEvery: Int = AuditLog.defaultCheckpointEvery
  ) throws(GarrisonError) {
    if let hmacKey, hmacKey.count < 16 {
      throw GarrisonError(.invalid, operation: "open audit log", "HMAC key must have at least 16 bytes")
    }
    self.directory = directory
    self.segmentBytes = max(4096, segmentBytes)
    self.checkpointEvery = checkpointEvery
    self.hasher = ChainHasher(hmacKey: hmacKey)
    self.host = ProcessIdentity.hostName()
    self.actor = ProcessIdentity.actor()
    self.recordWriter = RecordDraft.Writer(host: host, actor: actor, hasher: hasher)
    self.sharedStats = AuditWriteStatisticsFile(directory: directory)
    try AuditIO.makeDirectories(directory)
    lockFD = try AuditIO.open(directory + "/" + Segments.lockName, O_RDWR | O_CREAT, 0o640)
    try withExclusiveLock { () throws(GarrisonError) in _ = try loadHead() }
  }

  deinit {
    if segmentFD >= 0 { close(segmentFD) }
    close(lockFD)
  }

  /// Appends `events` as consecutive records and returns their sequence numbers once they are on disk (fsync).
  @discardableResult
  public func append(_ events: [AuditEvent]) throws(GarrisonError) -> [UInt64] {
    guard !events.isEmpty else { return [] }
    let drafts = events.map(draft)  // rendered here, on the appender's thread; the commit splices seq and prev
    return try commits.submitOwned(
      drafts,
      commit: { (batch: inout [[RecordDraft]]) throws(GarrisonError) -> [[UInt64]] in
        try withExclusiveLock { () throws(GarrisonError) -> [[UInt64]] in try write(&batch, sync: true) }
      })
  }

  /// What this process's appends cost so far: commits, records, and the fsync latency distribution.
  public var statistics: Statistics { threadLock.withLock { stats } }

  /// Appends one event; see `append(_:)`.
  @discardableResult
  public func append(_ event: AuditEvent) throws(GarrisonError) -> UInt64 { try append([event])[0] }

  /// Appends one event like `append(_:)` but returns once it is written, before the fsync: it is durable when
  /// the returned `PendingSync` has run. A caller overlaps the fsync with other work and must wait for it
  /// before it reports success.
  public func appendWithoutSync(_ event: AuditEvent) throws(GarrisonError) -> (seq: UInt64, sync: PendingSync) {
    try withExclusiveLock { () throws(GarrisonError) -> (seq: UInt64, sync: PendingSync) in
      var groups = [[draft(event)]]
      let seq = try write(&groups, sync: false)[0][0]
      let path = Segments.path(directory, openSegmentIndex)
      let fd = dup(segmentFD)  // its own descriptor: a later rotation closes segmentFD
      guard fd >= 0 else { throw AuditIO.error("dup", path) }
      return (seq, PendingSync(fd: fd, path: path))
    }
  }

  /// Builds, frames and writes the records of each group of events (each group consecutive, with the checkpoint
  /// records due) in one `write`, fsync'd when `sync`, and returns each group's sequence numbers. Caller holds
  /// the lock. Each draft is finished in place (`groups` holds the only copy of each).
  private func write(_ groups: inout [[RecordDraft]], sync: Bool) throws(GarrisonError) -> [[UInt64]] {
    var h = try loadHead()
    var pending = writeBuffer  // kept between commits: no fresh buffer of hundreds of KB (and its page faults) each
    writeBuffer = []
    defer {
      pending.removeAll(keepingCapacity: true)
      if pending.capacity <= 4 << 20 { writeBuffer = pending }
    }
    var result: [[UInt64]] = []
    result.reserveCapacity(groups.count)
    for g in groups.indices {
      var seqs: [UInt64] = []
      seqs.reserveCapacity(groups[g].count)
      for i in groups[g].indices {
        seqs.append(try add(&groups[g][i], to: &h, pending: &pending))
        if checkpointEvery > 0 && h.seq % UInt64(checkpointEvery) == 0 {
          _ = try add(checkpointEvent(h), to: &h, pending: &pending)
        }
      }
      result.append(seqs)
    }
    try flush(&pending, &h, sync: sync)
    head = h
    stats.appends += groups.count
    stats.commits += 1
    return result
  }

  /// The fsync an `appendWithoutSync` still owes; `run()` once (it closes the descriptor).
  public struct PendingSync: Sendable {
    let fd: Int32
    let path: String

    public func run() throws(GarrisonError) {
      defer { close(fd) }
      try AuditIO.fsync(fd, path: path)
    }
  }

  /// Appends a checkpoint record now and returns it as an exportable checkpoint (its seq and its own hash).
  public func checkpoint() throws(GarrisonError) -> AuditCheckpoint {
    try withExclusiveLock { () throws(GarrisonError) -> AuditCheckpoint in
      var h = try loadHead()
      var pending: [UInt8] = []
      let time = AuditTime.now()
      var ev = checkpointEvent(h)
      ev.time = time
      _ = try add(ev, to: &h, pending: &pending)
      try flush(&pending, &h)
      head = h
      return AuditCheckpoint(seq: h.seq, hash: h.hash, time: time, chain: hasher.algorithm)
    }
  }

  /// The sequence number and hash of the last record (0 and the genesis hash for an empty log).
  public func currentHead() throws(GarrisonError) -> (seq: UInt64, hash: String) {
    try withExclusiveLock { () throws(GarrisonError) -> (seq: UInt64, hash: String) in
      let h = try loadHead()
      return (h.seq, h.hash)
    }
  }

  // MARK: - Internals

  private func checkpointEvent(_ h: Head) -> AuditEvent {
    AuditEvent(
      kind: .auditCheckpoint, outcome: .allowed,
      details: ["covers_seq": .int(Int64(h.seq)), "head": .string(h.hash)])
  }

  private func withExclusiveLock<T>(_ body: () throws(GarrisonError) -> T) throws(GarrisonError) -> T {
    try threadLock.withLock { () throws(GarrisonError) -> T in
      try AuditIO.lock(lockFD, LOCK_EX, path: directory + "/" + Segments.lockName)
      defer { AuditIO.unlock(lockFD) }
      return try body()
    }
  }

  /// `event` rendered for this log, stamped now unless it carries its own time.
  private func draft(_ event: AuditEvent) -> RecordDraft {
    RecordDraft(event, time: event.time ?? AuditTime.now(), writer: recordWriter)
  }

  /// Builds the record for `event`; see `add(_:to:pending:)` for a draft.
  private func add(_ event: AuditEvent, to h: inout Head, pending: inout [UInt8]) throws(GarrisonError) -> UInt64 {
    var d = draft(event)
    return try add(&d, to: &h, pending: &pending)
  }

  /// Completes the record of `draft` with the next sequence number and the head's hash and appends its frame to
  /// `pending` (rotating first if the segment is full).
  private func add(_ draft: inout RecordDraft, to h: inout Head, pending: inout [UInt8]) throws(GarrisonError) -> UInt64 {
    if h.segmentSize + Int64(pending.count) >= Int64(segmentBytes) {
      try flush(&pending, &h)
      try rotate(&h)
    }
    draft.frame(seq: h.seq + 1, prev: &h.hashHex, into: &pending)
    h.seq += 1
    stats.records += 1
    return h.seq
  }

  private func flush(_ pending: inout [UInt8], _ h: inout Head, sync: Bool = true) throws(GarrisonError) {
    guard !pending.isEmpty else { return }
    let path = Segments.path(directory, h.segment)
    do throws(GarrisonError) {
      let fd = try openSegment(h.segment)
      try AuditIO.writeAll(fd, pending, path: path)
      if sync {
        let started = Kernel.monotonicNanoseconds()
        try AuditIO.fsync(fd, path: path)
        let elapsed = Kernel.monotonicNanoseconds() - started
        stats.fsync.record(Double(elapsed) / 1e9)
        sharedStats.update {
          $0.commits &+= 1
          $0.recordFsync(nanoseconds: elapsed)
        }
      }
    } catch {
      sharedStats.update { $0.errors &+= 1 }
      throw error
    }
    h.segmentSize += Int64(pending.count)
    pending.removeAll(keepingCapacity: true)
  }

  private func rotate(_ h: inout Head) throws(GarrisonError) {
    let next = h.segment + 1
    let path = Segments.path(directory, next)
    let fd = try AuditIO.open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0o640)
    try AuditIO.fsyncDirectory(directory)
    if segmentFD >= 0 { close(segmentFD) }
    segmentFD = fd
    h.segment = next
    h.segmentSize = 0
    h.inode = UInt(try AuditIO.fstat(fd, path: path).st_ino)
  }

  private var openSegmentIndex = 0
  /// The commit's write buffer, empty between commits (caller holds the lock).
  private var writeBuffer: [UInt8] = []

  private func openSegment(_ index: Int) throws(GarrisonError) -> Int32 {
    if segmentFD >= 0 && openSegmentIndex == index { return segmentFD }
    if segmentFD >= 0 { close(segmentFD) }
    let path = Segments.path(directory, index)
    let created = !AuditIO.exists(path)
    segmentFD = try AuditIO.open(path, O_WRONLY | O_APPEND | O_CREAT, 0o640)
    openSegmentIndex = index
    if created { try AuditIO.fsyncDirectory(directory) }
    return segmentFD
  }

  /// Returns the chain head, from the cache if the segment has not changed since our last append, otherwise
  /// by reading the tail of the last segment (repairing a torn final record). Caller holds the lock.
  private func loadHead() throws(GarrisonError) -> Head {
    if let h = head, segmentFD >= 0, openSegmentIndex == h.segment,
      let st = try? AuditIO.fstat(segmentFD, path: ""), Int64(st.st_size) == h.segmentSize, st.st_nlink > 0,
      !AuditIO.exists(Segments.path(directory, h.segment + 1))
    {
      return h
    }
    var tornTail = false
    var h = try readHeadFromDisk(tornTail: &tornTail)
    // Only a final line that failed its check needs the repair pass (which reads the tail again).
    if tornTail, let cut = try repairTail(&h) {
      lastRecovery = cut
      head = h
      var pending: [UInt8] = []
      let details: JSONValue = [
        "segment": .string(cut.segment), "offset": .int(cut.offset),
        "bytes_cut": .integer(cut.bytesCut), "reason": .string(cut.reason),
      ]
      _ = try add(AuditEvent(kind: .auditRecovered, outcome: .allowed, details: details), to: &h, pending: &pending)
      try flush(&pending, &h)
    }
    head = h
    // Keep the segment open: the next append in this process finds the head in the cache (fstat only).
    if AuditIO.exists(Segments.path(directory, h.segment)) { _ = try openSegment(h.segment) }
    return h
  }

  /// `tornTail` is set when the last segment's final line is not a valid record (or the segment holds none).
  private func readHeadFromDisk(tornTail: inout Bool) throws(GarrisonError) -> Head {
    let segments = try Segments.list(directory)
    guard let last = segments.last else {
      return Head(segment: 1, segmentSize: 0, inode: 0, seq: 0, hash: ChainHasher.genesis)
    }
    let path = Segments.path(directory, last)
    let fd = try AuditIO.open(path, O_RDONLY)
    defer { close(fd) }
    let st = try AuditIO.fstat(fd, path: path)
    var h = Head(segment: last, segmentSize: Int64(st.st_size), inode: UInt(st.st_ino), seq: 0, hash: ChainHasher.genesis)
    if let (seq, hash) = try lastRecord(
      in: last, fd: fd, size: Int64(st.st_size), tolerateTorn: true,
      tornTail: &tornTail)
    {
      h.seq = seq
      h.hash = hash
    } else if segments.count > 1 {
      // The last segment holds no complete record: the head is the end of the previous segment.
      let prevPath = Segments.path(directory, segments[segments.count - 2])
      let pfd = try AuditIO.open(prevPath, O_RDONLY)
      defer { close(pfd) }
      let psize = Int64(try AuditIO.fstat(pfd, path: prevPath).st_size)
      var ignored = false
      guard
        let (seq, hash) = try lastRecord(
          in: segments[segments.count - 2], fd: pfd, size: psize, tolerateTorn: false,
          tornTail: &ignored)
      else {
        throw GarrisonError(.invalid, operation: "read audit head", "\(prevPath): segment holds no record")
      }
      h.seq = seq
      h.hash = hash
    }
    return h
  }

  /// The seq and hash of the last valid record of a segment; with `tolerateTorn`, a torn final line is skipped
  /// (the repair step cuts it). A damaged record before the last line is an error: we fail closed.
  private func lastRecord(in segment: Int, fd: Int32, size: Int64, tolerateTorn: Bool, tornTail: inout Bool)
    throws(GarrisonError) -> (UInt64, String)?
  {
    let path = Segments.path(directory, segment)
    let lines = try tailLines(fd: fd, size: size, path: path, want: 2)
    tornTail = size > 0
    for (i, line) in lines.reversed().enumerated() {
      if let found = try validRecord(line.bytes, path: path) {
        tornTail = i > 0
        return found
      }
      guard tolerateTorn && i == 0 else {
        throw GarrisonError(
          .invalid, operation: "read audit head",
          "\(path): damaged record at byte \(line.offset); run `garrison audit verify`")
      }
    }
    return nil
  }

  private func validRecord(_ line: [UInt8], path: String) throws(GarrisonError) -> (UInt64, String)? {
    guard line.last == 0x0A else { return nil }
    return try line.withUnsafeBufferPointer { (buf) throws(GarrisonError) -> (UInt64, String)? in
      let content = UnsafeBufferPointer(rebasing: buf[0..<(buf.count - 1)])
      guard case .success(let range) = RecordFrame.unframe(content) else { return nil }
      let body = UnsafeBufferPointer(rebasing: content[range])
      let record = try AuditRecord(body: body)
      guard record.chain == hasher.algorithm else {
        throw GarrisonError(
          .invalid, operation: "open audit log",
          "\(path): log uses a \(record.chain) chain but this writer uses \(hasher.algorithm) (check --hmac-key-file)")
      }
      return (record.seq, hasher.hash(body))
    }
  }

  /// The last `want` lines (the final one possibly without newline) with their byte offsets.
  private func tailLines(fd: Int32, size: Int64, path: String, want: Int) throws(GarrisonError) -> [(offset: Int64, bytes: [UInt8])] {
    var chunk: Int64 = 8 << 10  // records are about 1.5 KB: one read almost always holds the last two
    while true {
      let start = max(0, size - chunk)
      let data = try AuditIO.pread(fd, count: Int(size - start), offset: start, path: path)
      var starts: [Int] = start == 0 && !data.isEmpty ? [0] : []
      for i in data.indices where data[i] == 0x0A && i + 1 < data.count { starts.append(i + 1) }
      if starts.count >= want || start == 0 {
        let chosen = Array(starts.suffix(want))
        var lines: [(offset: Int64, bytes: [UInt8])] = []
        for (k, s) in chosen.enumerated() {
          let e = k + 1 < chosen.count ? chosen[k + 1] : data.count
          lines.append((start + Int64(s), Array(data[s..<e])))
        }
        return lines
      }
      chunk *= 4
    }
  }

  /// Cuts a torn tail of the last segment: an incomplete final line and/or a final line whose frame fails.
  private func repairTail(_ h: inout Head) throws(GarrisonError) -> Recovery? {
    let path = Segments.path(directory, h.segment)
    guard AuditIO.exists(path) else { return nil }
    let fd = try AuditIO.open(path, O_RDWR)
    defer { close(fd) }
    let size = Int64(try AuditIO.fstat(fd, path: path).st_size)
    guard size > 0 else { return nil }
    let lines = try tailLines(fd: fd, size: size, path: path, want: 1)
    guard let last = lines.last else { return nil }
    if try validRecord(last.bytes, path: path) != nil { return nil }
    let reason = last.bytes.last == 0x0A ? "final record fails its frame check" : "final record is incomplete"
    try AuditIO.truncate(fd, to: last.offset, path: path)
    try AuditIO.fsync(fd, path: path)
    h.segmentSize = last.offset
    if segmentFD >= 0 { close(segmentFD); segmentFD = -1 }
    return Recovery(segment: Segments.name(h.segment), offset: last.offset, bytesCut: last.bytes.count, reason: reason)
  }
}
