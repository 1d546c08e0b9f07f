import Testing

@testable import GarrisonLint

/// Messages read like the admission controller's warnings, one setter per finding.
@Suite struct MessageTests {
  func messages(_ yaml: String, level: PSSLevel = .restricted, version: PSSVersion = .latest) throws -> [String: [String]] {
    let pod = try Support.pod(yaml)
    var out: [String: [String]] = [:]
    for (check, violations) in PSSRegistry.evaluate(pod, policy: PSSPolicy(level: level, version: version)) {
      out[check.id] = violations.map(\.message)
    }
    return out
  }

  @Test func privileged() throws {
    let y = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec:
        containers:
        - name: app
          image: x
          securityContext: {privileged: true}
      """
    let m = try messages(y)
    #expect(m["privileged"] == [#"privileged (container "app" must not set securityContext.privileged=true)"#])
    #expect(
      m["allowPrivilegeEscalation"] == [
        #"allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)"#
      ])
    #expect(m["runAsNonRoot"] == [#"runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)"#])
    #expect(
      m["seccompProfile_restricted"] == [
        #"seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
      ])
    #expect(
      m["capabilities_restricted"] == [#"unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])"#])
  }

  @Test func capabilitiesSeLinuxSysctlsVolumes() throws {
    let y = Support.podYAML(
      spec: """
        hostPID: true
        volumes:
        - {name: data, hostPath: {path: /data}}
        """,
      container: "ports: [{containerPort: 80, hostPort: 8080}]",
      containerSC: """
        capabilities: {add: [SYS_TIME, NET_RAW], drop: [ALL]}
        seLinuxOptions: {type: spc_t, user: u}
        """)
    let b = try messages(y, level: .baseline)
    #expect(
      b["capabilities_baseline"] == [
        #"non-default capabilities (container "app" must not include "NET_RAW", "SYS_TIME" in securityContext.capabilities.add)"#
      ])
    #expect(
      b["seLinuxOptions"] == [
        #"seLinuxOptions (container "app" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)"#
      ])
    #expect(b["hostNamespaces"] == ["host namespaces (hostPID=true)"])
    #expect(b["hostPathVolumes"] == [#"hostPath volumes (volume "data")"#])
    #expect(b["hostPorts"] == [#"hostPort (container "app" uses hostPort 8080)"#])
    let r = try messages(y)
    #expect(r["restrictedVolumes"] == [#"restricted volume types (volume "data" uses restricted volume type "hostPath")"#])
    #expect(r["hostPathVolumes"] == nil)
  }

  @Test func annotationsAndOldVersions() throws {
    let y = Support.podYAML(annotations: [
      "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
      "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
    ])
    let m = try messages(y, level: .baseline, version: .v1(18))
    #expect(
      m["seccompProfile_baseline"] == [#"seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")"#])
    #expect(
      m["appArmorProfile"] == [
        #"forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/app="unconfined"")"#
      ])
    #expect(try messages(y, level: .baseline, version: .v1(19))["seccompProfile_baseline"] == nil)
  }

  @Test func runAsUserAndSysctls() throws {
    let y = Support.podYAML(spec: "hostUsers: true", containerSC: "runAsUser: 0")
    #expect(try messages(y)["runAsUser"] == [#"runAsUser=0 (container "app" must not set runAsUser=0)"#])
    #expect(try messages(y, version: .v1(22))["runAsUser"] == nil)
    let s = """
      apiVersion: v1
      kind: Pod
      metadata: {name: s}
      spec:
        securityContext:
          sysctls: [{name: kernel.msgmax, value: "1"}, {name: net.ipv4.tcp_rmem, value: "1 2 3"}]
        containers: [{name: app, image: x}]
      """
    #expect(
      try messages(s, level: .baseline, version: .v1(31))["sysctls"] == [
        "forbidden sysctls (kernel.msgmax)", "forbidden sysctls (net.ipv4.tcp_rmem)",
      ])
    #expect(try messages(s, level: .baseline)["sysctls"] == ["forbidden sysctls (kernel.msgmax)"])
  }

  @Test func versionParsing() {
    #expect(PSSVersion(parsing: "latest") == .latest)
    #expect(PSSVersion(parsing: "v1.25") == .v1(25))
    #expect(PSSVersion(parsing: "v1.0") == .v1(0))
    for bad in ["1.25", "v1.025", "v2.0", "v1.", "v1.x", "Latest", ""] {
      #expect(PSSVersion(parsing: bad) == nil, "\(bad)")
    }
    #expect(PSSVersion.v1(3) < .v1(25))
    #expect(PSSVersion.v1(99) < .latest)
    #expect(PSSRegistry.effectiveMinor(.v1(99)) == PSSRegistry.newestMinor)
    #expect(PSSRegistry.newestMinor == 37)
  }
}
