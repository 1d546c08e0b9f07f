import GarrisonCore

/// Group commit for the appenders of one process, in two pipelined stages, as databases commit a log.
///
/// - **Write.** Each `append` queues its records (already rendered as drafts). The first appender that finds no
///   write in progress becomes the writer: it writes every queued append's records with one `write` under the
///   log's lock (a batch), then hands the write stage to the next queued appender.
/// - **Sync.** One `fsync` at a time, outside the log's lock, made by a writer whose batch is not yet durable; it
///   covers every batch written before it began, so while it runs the next batches are hashed and written, and
///   the fsync after it makes all of them durable at once.
///
/// Every append returns only once an fsync that began after its records were written has completed; an append's
/// records stay consecutive; a failed write or fsync fails every append it covers. Only the appenders concerned
/// are woken (`Condition.Event`), never all.
final class GroupCommit: @unchecked Sendable {
  private final class Ticket {
    let drafts: [RecordDraft]
    var result: Result<[UInt64], GarrisonError>?
    /// The batch this appender wrote as the writer (it then sees to that batch's fsync); 0 otherwise.
    var wroteBatch: UInt64 = 0
    let wake: Condition.Event
    init(_ drafts: [RecordDraft], wake: Condition.Event) {
      self.drafts = drafts
      self.wake = wake
    }
  }

  /// A written batch waiting for its fsync: its appenders and their sequence numbers.
  private struct Written {
    let batch: UInt64
    let tickets: [Ticket]
    let seqs: [[UInt64]]
  }

  private let condition = Condition()
  private var queue: [Ticket] = []  // waiting for the write stage
  private var writing = false
  private var written: [Written] = []  // waiting for an fsync, oldest first
  private var batches: UInt64 = 0  // batches written so far
  private var synced: UInt64 = 0  // batches durable so far
  private var syncing = false
  /// What makes the newest written batch (and every one before it) durable; older ones are discarded.
  private var newest: (batch: UInt64, sync: AuditLog.PendingSync)?
  private var syncWaiters: [Ticket] = []

  /// Queues `drafts` and waits until they are durable. `write` (one batch at a time, in order) receives the drafts
  /// of each queued append, writes them, and returns each one's sequence numbers and the fsync that makes them,
  /// and everything written before them, durable; `sync` runs such an fsync (one at a time).
  func submit(
    _ drafts: [RecordDraft],
    write: ([[RecordDraft]]) throws(GarrisonError) -> (seqs: [[UInt64]], sync: AuditLog.PendingSync),
    sync: (AuditLog.PendingSync) throws(GarrisonError) -> Void
  ) throws(GarrisonError) -> [UInt64] {
    let ticket = Ticket(drafts, wake: condition.makeEvent())
    condition.lock()
    queue.append(ticket)
    while ticket.result == nil {
      if ticket.wroteBatch == 0 && !writing && queue.first === ticket {
        writeStage(ticket, write)
      } else if ticket.wroteBatch > synced && !syncing && newest != nil {
        syncStage(ticket, sync)
      } else {
        if ticket.wroteBatch > 0 { syncWaiters.append(ticket) }
        ticket.wake.wait()
      }
    }
    condition.unlock()
    return try ticket.result!.get()
  }

  /// Writes every queued append as one batch. Called and returns with the lock held.
  private func writeStage(
    _ ticket: Ticket, _ write: ([[RecordDraft]]) throws(GarrisonError) -> (seqs: [[UInt64]], sync: AuditLog.PendingSync)
  ) {
    writing = true
    let batch = queue
    queue.removeAll(keepingCapacity: true)
    condition.unlock()
    let outcome: Result<(seqs: [[UInt64]], sync: AuditLog.PendingSync), GarrisonError>
    do throws(GarrisonError) { outcome = .success(try write(batch.map(\.drafts))) } catch { outcome = .failure(error) }
    condition.lock()
    writing = false
    queue.first?.wake.signal()  // the next batch is written while this one waits for its fsync
    switch outcome {
    case .success(let done):
      batches += 1
      written.append(Written(batch: batches, tickets: batch, seqs: done.seqs))
      newest?.sync.discard()
      newest = (batches, done.sync)
      ticket.wroteBatch = batches
    case .failure(let error):
      finish(batch, .failure(error), except: ticket)
    }
  }

  /// Makes every batch written so far durable with one fsync. Called and returns with the lock held.
  private func syncStage(_ ticket: Ticket, _ run: (AuditLog.PendingSync) throws(GarrisonError) -> Void) {
    guard let (target, sync) = newest else { return }
    newest = nil
    syncing = true
    condition.unlock()
    let failure: GarrisonError?
    do throws(GarrisonError) {
      try run(sync)
      failure = nil
    } catch {
      failure = error
    }
    condition.lock()
    syncing = false
    if failure == nil { synced = max(synced, target) }
    while let first = written.first, first.batch <= target {
      written.removeFirst()
      for (i, t) in first.tickets.enumerated() {
        t.result = failure.map { .failure($0) } ?? .success(first.seqs[i])
        if t !== ticket { t.wake.signal() }
      }
    }
    for waiter in syncWaiters { waiter.wake.signal() }  // the next fsync may begin
    syncWaiters.removeAll()
  }

  private func finish(_ tickets: [Ticket], _ result: Result<[UInt64], GarrisonError>, except me: Ticket) {
    for t in tickets {
      t.result = result
      if t !== me { t.wake.signal() }
    }
  }
}
