import GarrisonCore

/// Group commit for the appenders of one process: each `append` queues its events (already rendered as drafts);
/// the first appender that finds no commit in progress becomes the leader and writes every queued append's
/// records with one `write` and one `fsync` under the log's lock, then hands each appender its sequence numbers.
/// Appenders that arrived during that fsync are the next leader's batch. Every append still returns only once its
/// records are on disk; an append's records stay consecutive; a failed commit fails every append in it. Only the
/// appenders concerned are woken (`Condition.Event`: the batch's, and the next leader), never all of them.
final class GroupCommit: @unchecked Sendable {
  private final class Ticket {
    let drafts: [RecordDraft]
    var result: Result<[UInt64], GarrisonError>?
    /// Signalled when the result is in, or when this ticket's appender is to lead the next commit.
    let wake: Condition.Event
    init(_ drafts: [RecordDraft], wake: Condition.Event) {
      self.drafts = drafts
      self.wake = wake
    }
  }

  private let condition = Condition()
  private var queue: [Ticket] = []
  private var committing = false

  /// Queues `drafts` and waits until a commit (this thread's or another's) has written them durably.
  /// `commit` receives the drafts of each queued append, in order, and returns each one's sequence numbers.
  func submit(_ drafts: [RecordDraft], commit: ([[RecordDraft]]) throws(GarrisonError) -> [[UInt64]])
    throws(GarrisonError) -> [UInt64]
  {
    let ticket = Ticket(drafts, wake: condition.makeEvent())
    condition.lock()
    queue.append(ticket)
    while ticket.result == nil {
      guard !committing && queue.first === ticket else {
        ticket.wake.wait()
        continue
      }
      committing = true
      let batch = queue
      queue.removeAll(keepingCapacity: true)
      condition.unlock()
      let outcome: Result<[[UInt64]], GarrisonError>
      do throws(GarrisonError) { outcome = .success(try commit(batch.map(\.drafts))) } catch { outcome = .failure(error) }
      condition.lock()
      for (i, t) in batch.enumerated() {
        t.result = outcome.map { $0[i] }
        if t !== ticket { t.wake.signal() }
      }
      committing = false
      queue.first?.wake.signal()  // the appenders that came during this commit are the next batch
    }
    condition.unlock()
    return try ticket.result!.get()
  }
}
