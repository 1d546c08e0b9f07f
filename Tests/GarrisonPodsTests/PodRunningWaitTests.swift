@testable import GarrisonPods
import Testing

/// What wakes `apply --wait`: only the entries of a pod's directory whose change can change its verdict.
@Suite struct PodRunningWaitTests {
  @Test(arguments: [
    ("status.json", true),
    ("record.json", true),
    ("", true),
    ("status.json.tmp.4242", false),
    ("supervisor.log", false),
    ("stop.json", false),
    ("containers", false),
    ("logs", false),
  ])
  func onlyTheStatusTheRecordOrTheDirectoryWakeTheWait(name: String, matters: Bool) {
    #expect(PodRunningWait.matters(name) == matters)
  }
}
