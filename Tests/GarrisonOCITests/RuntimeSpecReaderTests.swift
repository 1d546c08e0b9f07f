import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// The Codable-free config.json reader agrees with JSONDecoder on every spec the tests and `spec` produce, and
/// steps aside (nil) wherever it is not sure, so JSONDecoder decides and names the field.
@Suite struct RuntimeSpecReaderTests {
  static var everything: RuntimeSpec {
    var s = RuntimeSpecFixtures.restricted(["sh", "-c", "true"])
    s.hostname = "h"
    s.domainname = "d"
    s.annotations = ["io.kubernetes.pod.name": "web"]
    s.hooks = .init(prestart: [.init(path: "/bin/true", args: ["true"], env: ["A=1"], timeout: 5)], poststop: [])
    s.process!.consoleSize = .init(height: 24, width: 80)
    s.process!.terminal = true
    s.process!.user = .init(uid: 1000, gid: 1000, umask: 0o022, additionalGids: [10, 20])
    s.process!.rlimits = [.init(type: "RLIMIT_NOFILE", soft: 1024, hard: 4096)]
    s.process!.oomScoreAdj = -5
    s.process!.apparmorProfile = "p"
    s.process!.selinuxLabel = "l"
    s.linux!.uidMappings = [.init(containerID: 0, hostID: 100_000, size: 65536)]
    s.linux!.gidMappings = [.init(containerID: 0, hostID: 100_000, size: 65536)]
    s.linux!.rootfsPropagation = "rslave"
    s.linux!.sysctl = ["net.ipv4.ip_forward": "1"]
    s.linux!.mountLabel = "m"
    s.linux!.namespaces!.append(.init(type: "network", path: "/proc/1/ns/net"))
    var r = RuntimeSpec.Resources(
      devices: [.init(allow: false, access: "rwm"), .init(allow: true, type: "c", major: 1, minor: 3, access: "rw")],
      memory: .init(limit: 64 << 20, reservation: 1, swap: 2),
      cpu: .init(shares: 512, quota: 50_000, period: 100_000), pids: .init(limit: 10))
    r.cpu!.cpus = "0"
    r.memory!.swappiness = 3
    r.memory!.disableOOMKiller = false
    r.unified = ["cpu.weight": "100"]
    r.blockIO = .object(["weight": .int(10), "leaf": .array([.bool(true), .null, .string("x")])])
    s.linux!.resources = r
    s.linux!.seccomp = RuntimeSpecFixtures.runtimeDefaultLike
    s.linux!.seccomp!.syscalls!.append(
      .init(
        names: ["personality"], action: "SCMP_ACT_ALLOW", errnoRet: 1,
        args: [.init(index: 0, value: 8, valueTwo: 0, op: "SCMP_CMP_EQ")]))
    s.linux!.seccomp!.listenerPath = "/run/l"
    return s
  }

  static var corpus: [RuntimeSpec] {
    [DefaultSpec.make(args: ["sh"]), RuntimeSpecFixtures.restricted(["id"]), everything, RuntimeSpec(ociVersion: "1.0.2")]
  }

  @Test func agreesWithJSONDecoder() throws {
    for spec in Self.corpus {
      let data = try JSONEncoder().encode(spec)
      let fast = try #require(RuntimeSpecReader.read(Array(data)), "reader declined \(String(decoding: data, as: UTF8.self).prefix(200))")
      #expect(fast == (try JSONDecoder().decode(RuntimeSpec.self, from: data)))
      #expect(fast == spec)
    }
  }

  @Test(arguments: [
    #"{"ociVersion":"1","process":{"cwd":"/","user":{"uid":1.5,"gid":0}}}"#,
    #"{"ociVersion":"1","process":{"cwd":"/","user":{"uid":-1,"gid":0}}}"#,
    #"{"ociVersion":"1","process":{"cwd":"/","user":{"gid":0}}}"#,
    #"{"ociVersion":null}"#,
    #"{"ociVersion":"1","linux":{"resources":{"memory":{"limit":1e3}}}}"#,
    #"{"ociVersion":"1","process":{"cwd":"/","user":{"uid":0,"gid":0},"args":["a",null]}}"#,
    #"{"ociVersion":"1","ociVersion":"2"}"#,
    #"{"ociVersion":"1"} x"#,
  ])
  func declinesWhatItIsNotSureOf(_ text: String) {
    #expect(RuntimeSpecReader.read(Array(text.utf8)) == nil)
  }
}
