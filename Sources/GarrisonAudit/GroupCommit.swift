import GarrisonCore

/// Group commit for the appenders of one process: each `append` queues its events (already rendered as drafts);
/// the first appender that finds no commit in progress becomes the leader and writes every queued append's
/// records with one `write` and one `fsync` under the log's lock, then hands each appender its sequence numbers.
/// Appenders that arrive during a commit queue up and sleep; when it ends, the leader makes the first of them the
/// next leader (it takes everything queued by then as its batch) and wakes it after it wakes its own batch.
/// Every append returns only once its records are on disk; an append's records stay consecutive; a failed commit
/// fails every append in it. Each appender sleeps on its own `Wakeup` and is woken once, with its result or to
/// lead: the lock guards only the queue, never a sleep or a wake-up.
final class GroupCommit: @unchecked Sendable {
  private final class Ticket {
    /// Taken by the leader (`takeDrafts`): the commit holds the only copy and finishes each draft in place.
    private(set) var drafts: [RecordDraft]
    /// Written by the leader before `wake.signal()`, read by the appender after `wake.wait()`.
    var result: Result<[UInt64], GarrisonError>?
    let wake = Wakeup()
    init(_ drafts: [RecordDraft]) { self.drafts = drafts }

    func takeDrafts() -> [RecordDraft] {
      defer { drafts = [] }
      return drafts
    }
  }

  private let lock = Lock()
  private var queue: [Ticket] = []
  /// Whether an appender leads a commit now (or has been chosen to lead the next one).
  private var leading = false

  /// Queues `drafts` and waits until a commit (this thread's or another's) has written them durably.
  /// `commit` receives the drafts of each queued append, in order, and returns each one's sequence numbers.
  func submit(_ drafts: [RecordDraft], commit: ([[RecordDraft]]) throws(GarrisonError) -> [[UInt64]])
    throws(GarrisonError) -> [UInt64]
  {
    try submitOwned(drafts, commit: { (groups: inout [[RecordDraft]]) throws(GarrisonError) in try commit(groups) })
  }

  /// `submit(_:commit:)` with `commit` as the only holder of the drafts it receives (so it can finish each in
  /// place: `RecordDraft.frame`).
  func submitOwned(_ drafts: [RecordDraft], commit: (inout [[RecordDraft]]) throws(GarrisonError) -> [[UInt64]])
    throws(GarrisonError) -> [UInt64]
  {
    let ticket = Ticket(drafts)
    let leads = lock.withLock {
      queue.append(ticket)
      if leading { return false }
      leading = true
      return true
    }
    if !leads {
      ticket.wake.wait()  // until the result is in, or this appender is to lead the next commit
      if let result = ticket.result { return try result.get() }
    }
    let batch = lock.withLock {
      defer { queue.removeAll(keepingCapacity: true) }
      return queue
    }
    let outcome: Result<[[UInt64]], GarrisonError>
    do throws(GarrisonError) {
      var groups = batch.map { $0.takeDrafts() }
      outcome = .success(try commit(&groups))
    } catch { outcome = .failure(error) }
    for (i, t) in batch.enumerated() { t.result = outcome.map { $0[i] } }
    let next = lock.withLock {
      leading = !queue.isEmpty
      return queue.first  // the appenders that came during this commit are the next batch
    }
    // The batch first, the next leader last: by the time it takes the queue, the appenders just woken have
    // rendered and queued their next appends, so it commits more of them with one fsync.
    for t in batch where t !== ticket { t.wake.signal() }
    next?.wake.signal()
    return try ticket.result!.get()
  }
}
