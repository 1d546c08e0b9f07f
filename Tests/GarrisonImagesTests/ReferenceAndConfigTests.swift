import GarrisonCore
import GarrisonImages
import Testing

@Suite struct ReferenceTests {
  @Test(arguments: [
    ("busybox", "busybox", "latest"),
    ("busybox:1.0", "busybox", "1.0"),
    ("localhost/busybox:1.0", "localhost/busybox", "1.0"),
    ("registry.example:5000/team/app", "registry.example:5000/team/app", "latest"),
    ("registry.example:5000/team/app:v2.1_rc-3", "registry.example:5000/team/app", "v2.1_rc-3"),
  ])
  func parses(text: String, name: String, tag: String) throws {
    let r = try ImageReference(parsing: text)
    #expect(r.name == name)
    #expect(r.tag == tag)
    #expect(r.description == "\(name):\(tag)")
  }

  @Test(arguments: ["", "Busybox", "busybox:", "busybox:-x", "../etc", "a//b", "busybox:1:2", "busy box", "/abs", "a..b/c", "host:port/x"])
  func refusesMalformed(text: String) {
    #expect(throws: GarrisonError.self) { try ImageReference(parsing: text) }
  }

  @Test func pinnedDigest() throws {
    let hex = String(repeating: "ab", count: 32)
    let r = try ImageReference(parsing: "busybox:1.0@sha256:\(hex)")
    #expect(r.digest?.hex == hex)
    #expect(throws: GarrisonError.self) { try ImageReference(parsing: "busybox@sha256:abc") }
    #expect(throws: GarrisonError.self) { try Digest(parsing: "sha512:" + hex) }
  }
}

@Suite struct KubernetesArgsTests {
  let image = ImageConfig(entrypoint: ["/entry", "-x"], cmd: ["serve", "--port=80"])

  @Test func neitherUsesEntrypointAndCmd() {
    #expect(image.processArgs(command: nil, args: nil) == ["/entry", "-x", "serve", "--port=80"])
    #expect(image.processArgs(command: [], args: []) == ["/entry", "-x", "serve", "--port=80"])
  }
  @Test func commandOnlyReplacesEntrypointAndDropsCmd() {
    #expect(image.processArgs(command: ["/bin/sh"], args: nil) == ["/bin/sh"])
  }
  @Test func argsOnlyReplaceCmd() {
    #expect(image.processArgs(command: nil, args: ["run"]) == ["/entry", "-x", "run"])
  }
  @Test func bothReplaceBoth() {
    #expect(image.processArgs(command: ["/bin/echo"], args: ["hi"]) == ["/bin/echo", "hi"])
  }
  @Test func cmdOnlyImage() {
    let c = ImageConfig(cmd: ["/bin/sh"])
    #expect(c.processArgs(command: nil, args: nil) == ["/bin/sh"])
    #expect(c.processArgs(command: nil, args: ["-c", "true"]) == ["-c", "true"])
    #expect(ImageConfig().processArgs(command: nil, args: nil) == [])
  }
  @Test func envOverrides() {
    let c = ImageConfig(env: ["PATH=/bin", "A=1"])
    #expect(c.mergedEnv(["A=2", "B=3"]) == ["PATH=/bin", "A=2", "B=3"])
  }
  @Test func decodesDockerCasing() throws {
    let text =
      #"{"User":"10001","Env":["A=1"],"Entrypoint":["/e"],"Cmd":["c"],"WorkingDir":"/w","ExposedPorts":{"80/tcp":{}},"Labels":{"k":"v"}}"#
    let c = try JSONDecoder().decode(ImageConfig.self, from: Data(text.utf8))
    #expect(c.user == "10001")
    #expect(c.workingDir == "/w")
    #expect(c.exposedPorts?.keys.sorted() == ["80/tcp"])
    #expect(c.labels == ["k": "v"])
  }
}

import Foundation
