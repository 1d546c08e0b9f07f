import GarrisonKernel
import Glibc
import Testing

/// garrison-oci and garrison-init are static executables and read passwd files themselves (no NSS).
@Suite struct PasswdFileTests {
  let text = """
    root:x:0:0:root:/root:/bin/sh
    broken line
    short:x:5:5
    relative:x:7:7::home/rel:/bin/sh
    app:x:1000:1000:App,,,:/srv/app:/bin/false
    app2:x:1000:1000::/second:/bin/false
    """

  @Test func byUid() {
    #expect(PasswdFile.home(.uid(0), text: text) == "/root")
    #expect(PasswdFile.home(.uid(1000), text: text) == "/srv/app", "the first match wins")
    #expect(PasswdFile.home(.uid(5), text: text) == nil, "too few fields")
    #expect(PasswdFile.home(.uid(7), text: text) == nil, "a relative home is not used")
    #expect(PasswdFile.home(.uid(42), text: text) == nil)
  }

  @Test func byName() {
    #expect(PasswdFile.home(.name("app2"), text: text) == "/second")
    #expect(PasswdFile.home(.name("ap"), text: text) == nil)
  }

  @Test func hostRootMatchesGetpwnam() {
    let expected = getpwnam("root").map { String(cString: $0.pointee.pw_dir) }
    #expect(PasswdFile.home(.name("root")) == expected)
    #expect(PasswdFile.home(.name("no-such-user-here"), path: "/var/tmp/garrison-no-such-passwd-file") == nil)
  }
}
