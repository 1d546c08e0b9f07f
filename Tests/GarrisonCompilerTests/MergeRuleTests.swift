import GarrisonCore
import GarrisonPlan
import Testing
@testable import GarrisonCompiler

/// Pod-level defaults, container overrides, and the pod-only and container-only fields.
struct MergeRuleTests {
  @Test(
    arguments: [
      // (pod SC, container SC, image user, uid, gid, groups)
      ("", "", nil, 0, 0, []),
      ("runAsUser: 1000", "", nil, 1000, 0, []),
      ("runAsUser: 1000", "runAsUser: 2000", nil, 2000, 0, []),
      ("runAsUser: 1000\nrunAsGroup: 3000", "runAsGroup: 4000", nil, 1000, 4000, []),
      ("", "", "1234:55", 1234, 55, []),
      // With runAsUser set, the image USER group is not used (containerd looks the uid up in /etc/passwd).
      ("runAsUser: 7", "", "1234:55", 7, 0, []),
      ("supplementalGroups: [5, 3, 5]\nfsGroup: 2000", "", nil, 0, 0, [3, 5, 2000]),
    ] as [(String, String, String?, UInt32, UInt32, [UInt32])])
  func userAndGroups(podSC: String, containerSC: String, imageUser: String?, uid: UInt32, gid: UInt32, groups: [UInt32]) throws {
    let p = try Fixture.plan(Fixture.pod(podSC: podSC, containerSC: containerSC), options: Fixture.options(imageUser: imageUser))
    #expect(p.process.user.uid == uid)
    #expect(p.process.user.gid == gid)
    #expect(p.process.user.supplementalGroups == groups)
  }

  @Test(arguments: [
    ("runAsNonRoot: true", "runAsUser: 0", "runAsUser 0 breaks the runAsNonRoot policy"),
    ("runAsNonRoot: true", "", "is not in the local store, so its uid is unknown"),
    ("", "runAsNonRoot: true\nrunAsUser: 0", "runAsUser 0 breaks"),
  ])
  func runAsNonRootRefusesRoot(podSC: String, containerSC: String, message: String) throws {
    #expect {
      try Fixture.compile(Fixture.pod(podSC: podSC, containerSC: containerSC))
    } throws: { e in
      guard let e = e as? GarrisonError else { return false }
      return e.code == .refused && e.message.contains(message) && e.location != nil
    }
  }

  @Test func runAsNonRootWithImageUsers() throws {
    // Numeric non-root image user passes; root image user and non-numeric user are refused.
    let yaml = Fixture.pod(podSC: "runAsNonRoot: true")
    #expect(try Fixture.plan(yaml, options: Fixture.options(imageUser: "1000")).process.user.uid == 1000)
    #expect(throws: GarrisonError.self) { try Fixture.compile(yaml, options: Fixture.options(imageUser: "")) }
    #expect(throws: GarrisonError.self) { try Fixture.compile(yaml, options: Fixture.options(imageUser: "0")) }
    #expect { try Fixture.compile(yaml, options: Fixture.options(imageUser: "nginx")) } throws: { e in
      (e as? GarrisonError)?.message.contains("non-numeric user (nginx)") == true
    }
    // runAsNonRoot on the container overrides a pod-level false.
    #expect(throws: GarrisonError.self) {
      try Fixture.compile(
        Fixture.pod(podSC: "runAsNonRoot: false", containerSC: "runAsNonRoot: true"), options: Fixture.options(imageUser: "0"))
    }
  }

  @Test(arguments: [("", false), ("allowPrivilegeEscalation: true", false), ("allowPrivilegeEscalation: false", true)])
  func noNewPrivs(sc: String, expected: Bool) throws {
    #expect(try Fixture.plan(Fixture.pod(containerSC: sc)).process.noNewPrivileges == expected)
  }

  @Test func privilegedOpensEverything() throws {
    let p = try Fixture.plan(
      Fixture.pod(containerSC: "privileged: true\nseccompProfile: {type: RuntimeDefault}"), options: Fixture.options(seccompDefault: true))
    #expect(p.privileged)
    #expect(p.process.capabilities.bounding.members.count == Capability.allNames.count)
    #expect(p.seccomp.mode == .unconfined)
    #expect(p.appArmor.mode == .unconfined)
    #expect(p.seLinux.processLabel == "system_u:system_r:spc_t:s0" && p.seLinux.mountLabel == nil)
    #expect(p.filesystem.maskedPaths.isEmpty && p.filesystem.readonlyPaths.isEmpty)
    #expect(!p.filesystem.sysfsReadOnly)
    #expect(p.filesystem.devices == .host)
  }

  @Test func maskedPathsAndProcMount() throws {
    let d = try Fixture.plan(Fixture.pod())
    #expect(d.filesystem.maskedPaths == FilesystemDefaults.maskedPaths)
    #expect(d.filesystem.readonlyPaths.contains("/proc/sys"))
    #expect(d.filesystem.sysfsReadOnly)
    let u = try Fixture.plan(Fixture.pod(containerSC: "procMount: Unmasked"))
    #expect(u.filesystem.maskedPaths.isEmpty && u.filesystem.readonlyPaths.isEmpty && u.filesystem.procMount == .unmasked)
    #expect(try Fixture.plan(Fixture.pod(containerSC: "readOnlyRootFilesystem: true")).filesystem.readOnlyRootFilesystem)
  }

  @Test(
    arguments: [
      ("", .pod, .container, .pod, .pod, .host),
      ("hostNetwork: true", .host, .container, .pod, .host, .host),
      ("hostPID: true\nhostIPC: true", .pod, .host, .host, .pod, .host),
      ("shareProcessNamespace: true", .pod, .pod, .pod, .pod, .host),
      ("hostUsers: false", .pod, .container, .pod, .pod, .pod),
    ] as [(String, NamespaceMode, NamespaceMode, NamespaceMode, NamespaceMode, NamespaceMode)])
  func namespaces(spec: String, net: NamespaceMode, pid: NamespaceMode, ipc: NamespaceMode, uts: NamespaceMode, user: NamespaceMode) throws
  {
    let n = try Fixture.plan(Fixture.pod(specExtra: spec)).namespaces
    #expect([n.network, n.pid, n.ipc, n.uts, n.user] == [net, pid, ipc, uts, user])
  }

  @Test func sysctls() throws {
    let ok = try Fixture.plan(
      Fixture.pod(
        podSC: "sysctls:\n- {name: net.ipv4.ip_unprivileged_port_start, value: '80'}\n- {name: kernel/shm_rmid_forced, value: '1'}"))
    #expect(ok.sysctls == ["net.ipv4.ip_unprivileged_port_start": "80", "kernel.shm_rmid_forced": "1"])
    let unsafe = Fixture.pod(podSC: "sysctls:\n- {name: net.core.somaxconn, value: '1024'}")
    #expect { try Fixture.compile(unsafe) } throws: { e in
      (e as? GarrisonError)?.fieldPath?.description == "spec.securityContext.sysctls[0].name"
    }
    var opts = Fixture.options()
    opts.allowedUnsafeSysctls = ["net.core.*"]
    #expect(try Fixture.plan(unsafe, options: opts).sysctls["net.core.somaxconn"] == "1024")
    #expect(throws: GarrisonError.self) {
      try Fixture.compile(Fixture.pod(podSC: "sysctls:\n- {name: kernel.panic, value: '1'}"), options: opts)
    }
    #expect(throws: GarrisonError.self) {
      try Fixture.compile(Fixture.pod(podSC: "sysctls:\n- {name: net.ipv4.tcp_syncookies, value: '1'}", specExtra: "hostNetwork: true"))
    }
  }

  @Test(
    arguments: [
      ("", 2, nil, nil, nil, "BestEffort"),
      ("resources: {requests: {cpu: 250m, memory: 64Mi}}", 256, nil, nil, nil, "Burstable"),
      ("resources: {limits: {cpu: '1', memory: 128Mi}}", 1024, 100_000, 100_000, 134_217_728, "Guaranteed"),
      ("resources: {requests: {cpu: 100m}, limits: {cpu: 500m, memory: 1Gi}}", 102, 50_000, 100_000, 1_073_741_824, "Burstable"),
      ("resources: {limits: {cpu: 5m}}", 5, 1000, 100_000, nil, "Burstable"),
      ("resources: {requests: {cpu: 1m}}", 2, nil, nil, nil, "Burstable"),
      // kubelet: a zero limit sets no quota (MilliCPUToQuota(0) is 0, which leaves cfs_quota unset).
      // GetPodQOS counts only quantities above zero: a zero limit (and the request it defaults) is no resource at all.
      ("resources: {limits: {cpu: '0'}}", 2, nil, nil, nil, "BestEffort"),
      // Huge limits (issue 13): shares clamp to the kernel's 262144; the quota product saturates instead of
      // trapping (kubelet's Go arithmetic would wrap it, possibly down to the 1000 µs minimum).
      ("resources: {limits: {cpu: '1e12'}}", 262_144, Int64.max, 100_000, nil, "Burstable"),
      ("resources: {limits: {cpu: '9223372036854775807', memory: 8Ei}}", 262_144, Int64.max, 100_000, Int64.max, "Guaranteed"),
      ("resources: {requests: {cpu: 100G}, limits: {cpu: 100G}}", 262_144, Int64.max, 100_000, nil, "Burstable"),
    ] as [(String, UInt64, Int64?, UInt64?, Int64?, String)])
  func resources(extra: String, shares: UInt64, quota: Int64?, period: UInt64?, memory: Int64?, qos: String) throws {
    let r = try Fixture.plan(Fixture.pod(containerExtra: extra)).resources
    #expect(r.cpuShares == shares)
    #expect(r.cpuWeight == 1 + ((shares - 2) * 9999) / 262_142)
    #expect(r.cpuQuota == quota)
    #expect(r.cpuPeriod == period)
    #expect(r.memoryLimitBytes == memory)
    #expect(r.qosClass.rawValue == qos)
  }

  @Test func appArmorPrecedence() throws {
    // Container field > container annotation > pod field > default.
    let ann = "container.apparmor.security.beta.kubernetes.io/c: localhost/from-annotation"
    let d = try Fixture.plan(Fixture.pod()).appArmor
    #expect(d.mode == .runtimeDefault && d.profileName?.hasPrefix("garrison-default-v") == true && !d.explicit && d.source == .default)
    let a = try Fixture.plan(Fixture.pod(podSC: "appArmorProfile: {type: Unconfined}", annotations: ann))
    #expect(a.appArmor.profileName == "from-annotation" && a.appArmor.source == .annotation && a.appArmor.explicit)
    let f = try Fixture.plan(Fixture.pod(containerSC: "appArmorProfile: {type: Localhost, localhostProfile: from-field}", annotations: ann))
    #expect(f.appArmor.profileName == "from-field" && f.appArmor.source == .field)
    let p = try Fixture.plan(Fixture.pod(podSC: "appArmorProfile: {type: Unconfined}"))
    #expect(p.appArmor.mode == .unconfined && p.appArmor.explicit)
    #expect(throws: GarrisonError.self) {
      try Fixture.compile(Fixture.pod(annotations: "container.apparmor.security.beta.kubernetes.io/c: bogus"))
    }
  }

  @Test func seLinuxContainerOptionsReplacePodOptions() throws {
    let p = try Fixture.plan(
      Fixture.pod(podSC: "seLinuxOptions: {level: 's0:c1,c2', user: pod_u}", containerSC: "seLinuxOptions: {type: spc_t}"))
    // Whole-struct override (kubelet): the pod's user and level do not leak into the container's options.
    #expect(p.seLinux.processLabel?.hasPrefix("system_u:system_r:spc_t:") == true)
    #expect(p.seLinux.explicit)
    let q = try Fixture.plan(Fixture.pod(podSC: "seLinuxOptions: {level: 's0:c1,c2'}"))
    #expect(q.seLinux.processLabel == "system_u:system_r:container_t:s0:c1,c2")
    #expect(q.seLinux.mountLabel == "system_u:object_r:container_file_t:s0:c1,c2")
  }

  @Test func everyContainerRoleGetsAPlan() throws {
    let yaml = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec:
        initContainers:
        - {name: i, image: x}
        - {name: s, image: x, restartPolicy: Always}
        containers:
        - {name: a, image: x}
        ephemeralContainers:
        - {name: e, image: x, targetContainerName: a}
      """
    let roles = try Fixture.compile(yaml).map { "\($0.plan.container.name):\($0.plan.container.role)" }
    #expect(roles == ["i:init", "s:sidecar", "a:app", "e:ephemeral"])
  }

  @Test func planIsDeterministicAndHashed() throws {
    let yaml = Fixture.pod(podSC: "runAsUser: 5\nsupplementalGroups: [9, 1]", containerSC: "capabilities: {add: [SYS_TIME, NET_ADMIN]}")
    let a = try Fixture.plan(yaml)
    let b = try Fixture.plan(yaml)
    #expect(try CanonicalJSON.encode(a) == CanonicalJSON.encode(b))
    #expect(try PlanDigest.verify(a))
    var tampered = a
    tampered.process.user.uid = 0
    #expect(try !PlanDigest.verify(tampered))
    // Reformatting the YAML does not change the plan.
    let reformatted = yaml.replacingOccurrences(of: "runAsUser: 5", with: "runAsUser:   5   # comment")
    #expect(try Fixture.plan(reformatted).digest == a.digest)
    // Round trip through JSON.
    let decoded = try JSONDecoder().decode(EnforcementPlan.self, from: try CanonicalJSON.encode(a))
    #expect(decoded == a)
  }
}

import Foundation

/// Compiled plans validate against the published JSON Schema (docs/plan.schema.json), with python's jsonschema.
struct PlanSchemaTests {
  @Test(
    .enabled(
      if: FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/jsonschema"), "needs python3-jsonschema (scripts/setup.sh)"
    ))
  func plansMatchSchema() throws {
    let yamls = [
      Fixture.pod(
        podSC: "runAsUser: 10\nfsGroup: 5\nsysctls: [{name: kernel.shm_rmid_forced, value: '1'}]",
        containerSC: "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL]}"),
      Fixture.pod(containerSC: "privileged: true"),
      Fixture.pod(containerExtra: "resources: {limits: {cpu: 2, memory: 1Gi}}", specExtra: "hostNetwork: true"),
    ]
    var src = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { src.deleteLastPathComponent() }
    let schema = src.appendingPathComponent("docs/plan.schema.json").path
    for yaml in yamls {
      let plan = try Fixture.plan(yaml)
      let file = NSTemporaryDirectory() + "plan-\(UUID().uuidString).json"
      try CanonicalJSON.encode(plan).write(to: URL(fileURLWithPath: file))
      defer { try? FileManager.default.removeItem(atPath: file) }
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
      p.arguments = [
        "-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))", schema, file,
      ]
      try p.run()
      p.waitUntilExit()
      #expect(p.terminationStatus == 0, "plan does not match docs/plan.schema.json")
    }
  }
}
