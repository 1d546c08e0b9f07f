import GarrisonCore

/// Group commit for the appenders of one process: each `append` queues its events (already rendered as drafts);
/// the first appender that finds no commit in progress becomes the leader and writes every queued append's records with one `write` and one
/// `fsync` under the log's lock, then hands each appender its sequence numbers. Appenders that arrived during
/// that fsync are the next leader's batch. Every append still returns only once its records are on disk; an
/// append's records stay consecutive; a failed commit fails every append in it.
final class GroupCommit: @unchecked Sendable {
  private final class Ticket {
    let drafts: [RecordDraft]
    var result: Result<[UInt64], GarrisonError>?
    init(_ drafts: [RecordDraft]) { self.drafts = drafts }
  }

  private let condition = Condition()
  private var queue: [Ticket] = []
  private var committing = false

  /// Queues `drafts` and waits until a commit (this thread's or another's) has written them durably.
  /// `commit` receives the drafts of each queued append, in order, and returns each one's sequence numbers.
  func submit(_ drafts: [RecordDraft], commit: ([[RecordDraft]]) throws(GarrisonError) -> [[UInt64]])
    throws(GarrisonError) -> [UInt64]
  {
    let ticket = Ticket(drafts)
    condition.lock()
    queue.append(ticket)
    while ticket.result == nil {
      if committing {
        condition.wait()
        continue
      }
      committing = true
      let batch = queue
      queue.removeAll(keepingCapacity: true)
      condition.unlock()
      let outcome: Result<[[UInt64]], GarrisonError>
      do throws(GarrisonError) { outcome = .success(try commit(batch.map(\.drafts))) } catch { outcome = .failure(error) }
      condition.lock()
      for (i, t) in batch.enumerated() { t.result = outcome.map { $0[i] } }
      committing = false
      condition.broadcast()
    }
    condition.unlock()
    return try ticket.result!.get()
  }
}
