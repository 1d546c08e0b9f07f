import Foundation
import GarrisonPods
import Testing

@Test func imageUserResolvesThroughTheImagesOwnPasswdAndGroup() throws {
  let dir = "/var/tmp/garrison-test-\(UInt32.random(in: 0..<UInt32.max))"
  defer { try? FileManager.default.removeItem(atPath: dir) }
  let top = dir + "/top", base = dir + "/base"
  for d in [top + "/etc", base + "/etc"] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
  try "root:x:0:0::/:/bin/sh\napp:x:10001:10002::/:/bin/sh\n".write(toFile: top + "/etc/passwd", atomically: true, encoding: .utf8)
  try "root:x:0:0::/:/bin/sh\nold:x:5:5::/:/bin/sh\n".write(toFile: base + "/etc/passwd", atomically: true, encoding: .utf8)
  try "staff:x:50:\n".write(toFile: base + "/etc/group", atomically: true, encoding: .utf8)
  let layers = [top, base]  // topmost first: the top layer's passwd wins
  #expect(try ImageUser.resolve("app", lowerdirs: layers, field: "f") == (10001, 10002))
  #expect(try ImageUser.resolve("app:staff", lowerdirs: layers, field: "f") == (10001, 50))
  #expect(try ImageUser.resolve("42:7", lowerdirs: layers, field: "f") == (42, 7))
  #expect(throws: (any Error).self) { try ImageUser.resolve("old", lowerdirs: layers, field: "f") }
  #expect(throws: (any Error).self) { try ImageUser.resolve("app:nogroup", lowerdirs: layers, field: "f") }
  // A layer whose etc is a symlink to the host's /etc never reads the host's passwd.
  let hostile = dir + "/hostile"
  try FileManager.default.createDirectory(atPath: hostile, withIntermediateDirectories: true)
  try FileManager.default.createSymbolicLink(atPath: hostile + "/etc", withDestinationPath: "/etc")
  #expect(throws: (any Error).self) { try ImageUser.resolve("root", lowerdirs: [hostile], field: "f") }
}

/// Pods from the image store (`garrison image import`), not `--rootfs`.
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct ImageStoreTests {
  @Test func podsRunImportedImages() throws {
    try withScratch { s in
      let script = Host.repo + "/scripts/build-example-image.sh"
      var env = ProcessInfo.processInfo.environment
      env["OUT"] = s.dir + "/busybox.tar"
      let pid = try Spawn.start(
        ["/bin/bash", script, Host.garrison, "--root", s.root],
        environment: env.map { "\($0.key)=\($0.value)" })
      let built = try Spawn.waitPID(pid)
      try #require(built == .exited(0), "building the example image failed")
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: img}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: ["/bin/sh", "-c", "id -u; cat /etc/hostname; touch /etc/written && echo rootfs-writable"]
            securityContext: {runAsUser: 0}
        """, useRootfs: false)
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("img") { $0.status.phase.isTerminal }
      #expect(v.status.phase == .succeeded, "\(v.status.events)")
      #expect(s.log("img", "main") == "0\nbusybox\nrootfs-writable\n")
      // Each container has its own copy-on-write root: the image layer is untouched.
      let layers = try FileManager.default.contentsOfDirectory(atPath: s.root + "/images/layers").filter { !$0.hasPrefix(".") }
      for l in layers { #expect(!FileManager.default.fileExists(atPath: s.root + "/images/layers/\(l)/etc/written")) }
      let missing = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: noimg}
        spec:
          containers: [{name: main, image: "nosuch:1.0", command: ["true"]}]
        """, useRootfs: false)
      #expect(missing.status == .exited(2), "\(missing.output)")
      #expect(missing.output.contains("spec.containers[0].image") && missing.output.contains("garrison image import"), "\(missing.output)")
    }
  }
}
