import Foundation
import GarrisonPods
import GarrisonTestSupport
import Testing

/// Pods that must be refused: the fit check and volumes that would reach outside themselves.
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct RefusalTests {
  @Test func podThatDoesNotFitIsRefused() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: huge}
        spec:
          containers: [{name: main, command: ["true"], resources: {requests: {cpu: "100000", memory: 1Mi}}}]
        """)
      #expect(r.status == .exited(3), "\(r.output)")
      #expect(r.output.contains("Insufficient cpu"), "\(r.output)")
      #expect(try s.manager.view("default", "huge") == nil)
      #expect(try s.auditRecords() == ["pod.refused default/huge"])

      // Running pods' requests count: two pods of 60% of the memory cannot both run.
      let mem = try FitCheck.host().allocatableMemory * 6 / 10
      let pod = { (n: String) in
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(n)}
        spec:
          containers: [{name: main, command: ["sleep", "1000"], resources: {requests: {memory: "\(mem)"}}}]
        """
      }
      #expect(try s.apply(pod("first")).succeeded)
      let second = try s.apply(pod("second"))
      #expect(second.status == .exited(3) && second.output.contains("Insufficient memory"), "\(second.output)")
    }
  }

  @Test func subPathWithDotDotIsRefusedAtApply() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: dotdot}
        spec:
          containers:
          - name: main
            command: ["true"]
            volumeMounts: [{name: data, mountPath: /data, subPath: "../../etc"}]
          volumes: [{name: data, emptyDir: {}}]
        """)
      #expect(r.status == .exited(2), "\(r.output)")
      #expect(r.output.contains("spec.containers[0].volumeMounts[0].subPath") && r.output.contains("'..'"), "\(r.output)")
    }
  }

  @Test func symlinkEscapingAHostPathVolumeIsRefused() throws {
    try withScratch { s in
      let host = s.dir + "/hostdir"
      try FileManager.default.createDirectory(atPath: host + "/inside", withIntermediateDirectories: true)
      try FileManager.default.createSymbolicLink(atPath: host + "/escape", withDestinationPath: "/etc")
      try FileManager.default.createSymbolicLink(atPath: host + "/sneaky", withDestinationPath: "inside/../../..")
      for sub in ["escape", "sneaky", "escape/passwd"] {
        let r = try s.apply(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: hostile}
          spec:
            containers:
            - name: main
              command: ["cat", "/x/passwd"]
              volumeMounts: [{name: h, mountPath: /x, subPath: "\(sub)"}]
            volumes: [{name: h, hostPath: {path: "\(host)", type: Directory}}]
          """)
        #expect(r.status == .exited(3), "\(sub): \(r.output)")
        #expect(r.output.contains("spec.containers[0].volumeMounts[0].subPath") && r.output.contains("outside the volume"), "\(r.output)")
        #expect(try s.manager.view("default", "hostile") == nil)
      }
      // hostPath type checks.
      let wrongType = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: wrongtype}
        spec:
          containers: [{name: main, command: ["true"], volumeMounts: [{name: h, mountPath: /x}]}]
          volumes: [{name: h, hostPath: {path: "\(host)", type: File}}]
        """)
      #expect(wrongType.status == .exited(3) && wrongType.output.contains("spec.volumes[0].hostPath.type"), "\(wrongType.output)")
    }
  }

  @Test func symlinkPlantedByAContainerCannotBeUsedAsSubPath() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: planted}
        spec:
          restartPolicy: Never
          initContainers:
          - name: plant
            command: ["/bin/sh", "-c", "ln -s / /data/root && ln -s ../../../../etc /data/up"]
            volumeMounts: [{name: data, mountPath: /data}]
          containers:
          - name: main
            command: ["/bin/sh", "-c", "ls /x; echo escaped"]
            volumeMounts: [{name: data, mountPath: /x, subPath: root}]
          volumes: [{name: data, emptyDir: {}}]
        """)
      let v = try s.wait("planted") { $0.status.phase.isTerminal }
      #expect(v.status.phase == .failed)
      let st = v.status.container("main")?.state
      #expect(st?.kind == .waiting && st?.reason == "CreateContainerError")
      #expect(st?.message?.contains("spec.containers[0].volumeMounts[0].subPath") == true, "\(String(describing: st?.message))")
      #expect(!s.log("planted", "main").contains("escaped"))
    }
  }

  /// Deployments, ReplicaSets and Jobs run (WorkloadTests); the other workload kinds are refused.
  @Test func unsupportedWorkloadKindsAreRefused() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: main, command: ["true"]}]
        """)
      #expect(r.status == .exited(3) && r.output.contains("DaemonSet is not supported by garrison apply"), "\(r.output)")
      #expect(try s.manager.list(namespace: nil).isEmpty)
    }
  }
}

/// The pod network on a private test bridge and CIDR (never the default garrison0).
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct NetworkTests {
  /// The sandbox is one process (`sleep`, the supervisor's child) born in the pod's namespaces, and `lo` is up in
  /// its network namespace (brought up by the supervisor with an ioctl, no `ip` process), which the container joined.
  @Test(
    .enabled(
      if: HostTools.find("/usr/bin/nsenter", "/bin/nsenter") != nil && HostTools.find("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip") != nil,
      "nsenter and ip (util-linux, iproute2) are needed to look into the pod's network namespace"))
  func loopbackIsUpInThePodNetworkNamespace() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: lo}
        spec:
          terminationGracePeriodSeconds: 0
          containers: [{name: main, command: ["sleep", "1000"]}]
        """, extra: ["--network", "none", "--wait", "--timeout", "30"])
      #expect(r.succeeded, "\(r.output)")
      let v = try #require(try s.manager.view("default", "lo"))
      let box = try #require(v.status.sandbox?.pid)
      let comm = try String(contentsOfFile: "/proc/\(box)/comm", encoding: .utf8)
      #expect(comm == "sleep\n", "the sandbox process is \(comm)")
      let supervisor = try #require(v.status.supervisor?.pid)
      let status = try String(contentsOfFile: "/proc/\(box)/status", encoding: .utf8)
      #expect(status.contains("PPid:\t\(supervisor)\n"), "\(status)")
      let mine = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
      let pods = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(box)/ns/net")
      let container = try #require(v.status.container("main")?.pid)
      #expect(pods != mine)
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(container)/ns/net") == pods)
      let link = try Spawn.run(["nsenter", "--net=/proc/\(box)/ns/net", "ip", "-o", "link", "show", "lo"])
      #expect(link.succeeded && link.output.contains(",UP"), "\(link.output)")
    }
  }

  @Test func podsGetAddressesOnTheBridgeAndReachEachOther() throws {
    let bridge = "gt\(UInt16.random(in: 0..<UInt16.max))"
    let net = UInt8.random(in: 1..<250)
    let cidr = "10.251.\(net).0/24"
    defer {
      _ = try? Spawn.run(["ip", "link", "del", bridge])
      rmdir("/run/garrison/ipam/\(bridge)")
    }
    try withScratch { s in
      let extra = ["--network", "bridge", "--bridge", bridge, "--pod-cidr", cidr]
      for n in ["a", "b"] {
        let r = try s.apply(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: \(n)}
          spec:
            containers: [{name: main, command: ["sleep", "1000"]}]
          """, extra: extra)
        #expect(r.succeeded, "\(r.output)")
      }
      let a = try s.wait("a") { $0.status.phase == .running }
      let b = try s.wait("b") { $0.status.phase == .running }
      let ipA = try #require(a.status.podIP)
      let ipB = try #require(b.status.podIP)
      #expect(ipA.hasPrefix("10.251.\(net).") && ipB.hasPrefix("10.251.\(net).") && ipA != ipB)
      let pidA = try #require(a.status.container("main")?.pid)
      let ping = try Spawn.run(["nsenter", "--net=/proc/\(pidA)/ns/net", "/bin/busybox", "ping", "-c", "1", "-W", "2", ipB])
      #expect(ping.succeeded, "\(ping.output)")
      let veth = PodNetwork.hostVeth(uid: a.record.uid, root: s.root)
      #expect(try Spawn.run(["ip", "link", "show", veth]).succeeded)
      #expect(try s.garrison(["delete", "pod", "a", "--grace-period", "1"]).succeeded)
      #expect(!(try Spawn.run(["ip", "link", "show", veth]).succeeded))
      #expect(!FileManager.default.fileExists(atPath: "/run/garrison/ipam/\(bridge)/\(ipA)"))
    }
  }
}
