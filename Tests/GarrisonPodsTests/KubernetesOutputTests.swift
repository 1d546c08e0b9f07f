import Foundation
import GarrisonPods
import Testing

/// `get pods -o json|yaml|wide` of real pods: Kubernetes' core/v1 shape, valid against its JSON schema, readable
/// by jq filters written for kubectl (root only; the skip reason is printed).
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct KubernetesOutputTests {
  @Test func getPodsJSONIsAValidCoreV1PodList() throws {
    try withScratch { s in
      for name in ["alpha", "beta"] {
        let r = try s.apply(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: \(name), labels: {app: \(name)}}
          spec:
            initContainers: [{name: setup, image: busybox, command: ["true"]}]
            containers:
            - name: main
              image: busybox
              command: ["sleep", "1000"]
              resources: {limits: {cpu: 100m, memory: 32Mi}}
            terminationGracePeriodSeconds: 1
          """)
        #expect(r.succeeded, "\(r.output)")
      }
      for name in ["alpha", "beta"] { _ = try s.wait(name) { $0.status.isReady } }
      let list = try s.garrison(["get", "pods", "-o", "json"])
      #expect(list.succeeded, "\(list.output)")
      let valid = try SchemaCheck.validate(Data(list.output.utf8), schemaDirectory: KubernetesPodViewTests.schemaDirectory)
      #expect(valid.errors.isEmpty && valid.pods == 2, "\(valid)")
      // The filters people run against kubectl.
      let started = try jq(".items[].status.containerStatuses[].state.running.startedAt", list.output, s)
      let times = started.split(separator: "\n")
      #expect(times.count == 2 && times.allSatisfy { $0.hasPrefix("\"20") && $0.hasSuffix("Z\"") }, "\(started)")
      #expect(try jq("[.items[].status.containerStatuses[].state.running.startedAt | fromdateiso8601] | length", list.output, s) == "2\n")
      #expect(try jq(".kind, .apiVersion", list.output, s) == "\"List\"\n\"v1\"\n")
      #expect(
        try jq("[.items[] | .status.conditions[] | select(.type == \"Ready\") | .status] | unique | .[]", list.output, s) == "\"True\"\n")
      #expect(try jq(".items[0].status.initContainerStatuses[0].state.terminated.reason", list.output, s) == "\"Completed\"\n")
      #expect(try jq(".items[0].status.containerStatuses[0].containerID | startswith(\"garrison://\")", list.output, s) == "true\n")
      #expect(
        try jq(".items[0].status.qosClass, .items[0].metadata.labels.app", list.output, s) == "\"Burstable\"\n\"alpha\"\n",
        "the init container has no limits")

      let one = try s.garrison(["get", "pod", "beta", "-o", "json"])
      #expect(
        try jq(".kind, .metadata.name, .spec.containers[0].resources.limits.memory", one.output, s) == "\"Pod\"\n\"beta\"\n\"32Mi\"\n")
      let oneValid = try SchemaCheck.validate(Data(one.output.utf8), schemaDirectory: KubernetesPodViewTests.schemaDirectory)
      #expect(oneValid.errors.isEmpty && oneValid.pods == 1, "\(oneValid)")
      let yaml = try s.garrison(["get", "pod", "beta", "-o", "yaml"])
      #expect(yaml.output.contains("kind: Pod") && yaml.output.contains("containerStatuses:"), "\(yaml.output)")

      let wide = try s.garrison(["get", "pods", "-o", "wide"])
      let header = wide.output.split(separator: "\n").first.map(String.init) ?? ""
      #expect(
        header.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
          == "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES", "\(wide.output)")
      #expect(wide.output.contains("1/1") && wide.output.contains("Running"))
      let describe = try s.garrison(["describe", "pod", "alpha"])
      for text in ["Conditions:", "ContainersReady", "QoS Class:          Burstable", "Container ID:", "garrison://", "Started:"] {
        #expect(describe.output.contains(text), "describe lacks \(text): \(describe.output)")
      }
    }
  }

  func jq(_ filter: String, _ json: String, _ s: Scratch) throws -> String {
    let file = s.dir + "/jq-\(UInt32.random(in: 0..<UInt32.max)).json"
    try json.write(toFile: file, atomically: true, encoding: .utf8)
    let fd = open(file, O_RDONLY)
    defer { close(fd) }
    let r = try Spawn.run(["/usr/bin/jq", filter], stdin: fd)
    #expect(r.succeeded, "jq \(filter): \(r.output)")
    return r.output
  }
}
