import GarrisonKernel
import Glibc
import Testing

@testable import GarrisonSupervisor

/// `SeccompRecordClaims`: one pod's supervisor audits a seccomp record nobody can attribute. Two pods' claims on
/// the same record: one wins, and recognises its own claim when it reads the record again; pruning drops claims of
/// records the kernel log no longer holds and other boots' claims. `SeccompDenialMonitor` writes a record of a gone
/// process only when it claimed it: across two pods' monitors fed the same record, exactly one event.
@Suite(.serialized) struct SeccompRecordClaimsTests {
  static func scratch(_ name: String) throws -> String {
    let dir = "/var/tmp/garrison-claims-\(name)-\(getpid())"
    try? ContainedDirectory(path: "/var/tmp").remove("garrison-claims-\(name)-\(getpid())")
    try FileIO.makeDirectories(dir, mode: 0o700)
    return dir
  }

  static func cleanUp(_ dir: String) {
    let name = String(dir.split(separator: "/").last!)
    try? ContainedDirectory(path: "/var/tmp").remove(name)
  }

  @Test func oneClaimantPerRecordAndItsOwnClaimIsItsOwn() throws {
    let root = try Self.scratch("one")
    defer { Self.cleanUp(root) }
    let a = try SeccompRecordClaims(root: root, podUID: "uid-a", boot: "b1") { nil }
    let b = try SeccompRecordClaims(root: root, podUID: "uid-b", boot: "b1") { nil }
    #expect(a.claim(5))
    #expect(!b.claim(5), "the second claimant of a record does not audit it")
    #expect(a.claim(5), "a claimant reading the record again (its keeper claimed it) still audits it")
    #expect(b.claim(6))
    #expect(!a.claim(6))
    #expect(try ContainedDirectory(path: root + "/seccomp-claims/b1").linkTarget("5") == "uid-a")
  }

  @Test func pruningDropsRecordsTheKernelNoLongerHoldsAndOtherBoots() throws {
    let root = try Self.scratch("prune")
    defer { Self.cleanUp(root) }
    let old = try SeccompRecordClaims(root: root, podUID: "uid-a", boot: "old") { nil }
    #expect(old.claim(1))
    let claims = try SeccompRecordClaims(root: root, podUID: "uid-a", boot: "b2") { 10 }
    // The first claim a process makes prunes: 1 and 9 are gone from the kernel log, 10 and 11 are not.
    for s: UInt64 in [9, 10] { #expect(try ContainedDirectory(path: root + "/seccomp-claims/b2").makeLink("\(s)", to: "x")) }
    #expect(claims.claim(11))
    let left = try ContainedDirectory(path: root + "/seccomp-claims/b2").entries().sorted()
    #expect(left == ["10", "11"])
    #expect(try ContainedDirectory(path: root + "/seccomp-claims").entries() == ["b2"])
  }

  @Test func twoPodsMonitorsWriteARecordOfAGoneProcessOnce() throws {
    let root = try Self.scratch("monitor")
    defer { Self.cleanUp(root) }
    // A pid that is not running (pid_max is at most 2^22): the record cannot be attributed.
    let line =
      #"4,8812,545055174,-;audit: type=1326 audit(1795734783.091:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4194305 comm="gone" exe="/bin/gone" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7fa86caa5829 code=0x50000"#
    var events = 0
    for uid in ["uid-a", "uid-b", "uid-c"] {
      let claims = try SeccompRecordClaims(root: root, podUID: uid, boot: "b3") { nil }
      let monitor = SeccompDenialMonitor(
        reader: try KmsgReader(path: "/dev/null", fromEnd: false), cgroupParent: "/garrison/\(uid)", claims: claims,
        window: 10
      ) { _ in fatalError("a gone process is no container's") }
      try monitor.take([line])
      let flushed = monitor.flush(force: true)
      #expect(flushed.allSatisfy { $0.object.pod == nil })
      events += flushed.count
    }
    #expect(events == 1)
    // Without claims (the directory could not be opened), each pod writes it, as before.
    let unclaimed = SeccompDenialMonitor(
      reader: try KmsgReader(path: "/dev/null", fromEnd: false), cgroupParent: "/garrison/uid-d", claims: nil, window: 10
    ) { _ in fatalError("a gone process is no container's") }
    try unclaimed.take([line])
    #expect(unclaimed.flush(force: true).count == 1)
  }

  @Test(.enabled(if: access("/dev/kmsg", R_OK) == 0, "needs a readable /dev/kmsg"))
  func theOldestRecordTheKernelHoldsIsNotNewerThanTheNewest() throws {
    let oldest = try #require(KmsgReader.oldestSequence())
    // A record logged now is the newest: its sequence number is at least the oldest's.
    let reader = try KmsgReader(fromEnd: true)
    try FileIO.write("/dev/kmsg", "garrison test: SeccompRecordClaimsTests\n")
    let newest = try #require(reader.readAvailable().compactMap { KmsgReader.sequence(of: $0) }.last)
    #expect(oldest <= newest)
  }

  @Test func aRecordsSequenceNumberIsReadFromItsPrefix() {
    #expect(KmsgReader.sequence(of: "4,8812,545055174,-;audit: x") == 8812)
    #expect(KmsgReader.sequence(of: "6,1,0,-;a,b") == 1)
    #expect(KmsgReader.sequence(of: "garbage") == nil)
    #expect(KmsgReader.sequence(of: "4,x,1,-;y") == nil)
  }
}
