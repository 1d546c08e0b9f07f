import GarrisonCore
import GarrisonKernel

/// Who audits a seccomp record that no pod can attribute. Every pod's supervisor reads every record of the kernel
/// log; a record whose process was already gone when read cannot be given to a pod, and each supervisor would
/// write the same unattributed `seccomp.denied` event for it. The first supervisor to claim the record writes it.
/// A claim is the symbolic link `<root>/seccomp-claims/<boot id>/<sequence number>`, whose target is the
/// claimant's pod uid: `symlinkat` makes it atomically, so exactly one claimant succeeds, and the target lets the
/// claimant recognise its own claim when it reads the record again. Sequence numbers restart at boot, hence the
/// boot id. Claims of records the kernel log no longer holds, and other boots' claims, are removed now and then:
/// nobody can read those records any more.
final class SeccompRecordClaims {
  private let directory: ContainedDirectory
  /// This boot's claims directory (garrison-keeper claims there too, before it wakes the supervisor for a record).
  let path: String
  private let bootDirectories: ContainedDirectory
  private let bootID: String
  private let owner: String
  private let oldestSequence: () -> UInt64?
  /// Claims this process made, for pruning every `pruneEvery`.
  private var made = 0
  static let pruneEvery = 64

  /// The claims of `root` for this boot, made by the pod `podUID`. `oldestSequence` tells which records the
  /// kernel log still holds (tests give their own).
  init(
    root: String, podUID: String, boot: String? = nil,
    oldestSequence: @escaping () -> UInt64? = { KmsgReader.oldestSequence() }
  ) throws(GarrisonError) {
    let boot = boot ?? Self.currentBootID()
    let rootDirectory = try ContainedDirectory(path: root, operation: "open the state root")
    bootDirectories = try rootDirectory.directory(
      ["seccomp-claims"], create: true, mode: 0o700, operation: "open seccomp claims")
    directory = try bootDirectories.directory([boot], create: true, mode: 0o700, operation: "open seccomp claims")
    bootID = boot
    path = root + "/seccomp-claims/" + boot
    owner = podUID
    self.oldestSequence = oldestSequence
  }

  /// Whether this pod audits record `sequence`: it claimed it now, or had claimed it before. A claim that cannot
  /// be made or read for another reason counts as this pod's: a duplicate event is better than a lost one.
  func claim(_ sequence: UInt64) -> Bool {
    let name = String(sequence)
    do {
      if try directory.makeLink(name, to: owner) {
        made += 1
        if made % Self.pruneEvery == 1 { prune() }
        return true
      }
      guard let holder = try directory.linkTarget(name) else { return true }
      return holder == owner
    } catch {
      return true
    }
  }

  /// Removes claims of records older than the oldest the kernel log holds, and other boots' claims.
  func prune() {
    if let oldest = oldestSequence(), let names = try? directory.entries() {
      for name in names where (UInt64(name) ?? 0) < oldest { try? directory.unlink(name) }
    }
    for other in (try? bootDirectories.entries()) ?? [] where other != bootID { try? bootDirectories.remove(other) }
  }

  /// This boot's id (`/proc/sys/kernel/random/boot_id`), or `boot` when it cannot be read or is not one.
  static func currentBootID() -> String {
    let text = ((try? FileIO.readText("/proc/sys/kernel/random/boot_id")) ?? "").trimmingWhitespace()
    let allowed = text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || $0 == 0x2D }
    return !text.isEmpty && text.utf8.count <= 64 && allowed ? text : "boot"
  }
}
