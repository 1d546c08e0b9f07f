import Foundation
import GarrisonKernel
import Testing

/// `PathName` replaces Foundation's `NSString` path methods in the modules garrison-oci links (which no longer link
/// Foundation); it must give the same answers, symbolic links included.
@Suite struct PathNameTests {
  static let plain = [
    "", "/", "//", "a", "a/", "/a", "/a/", "/a//b", "a//b/", "/a/b/c", "./a", "../a", "/a/./b/../c", "a/../..",
    "/../a", "~", "~/x", "~root/x", "~nobodyatall/x", "/tmp/", "/private/x", "/privatex", "x:y\\z", "/a/b/c.d",
  ]

  @Test func joinMatchesNSString() {
    for a in Self.plain {
      for b in ["", "x", "/x", "x/", "../y", "."] {
        #expect(PathName.join(a, b) == (a as NSString).appendingPathComponent(b), "\(a) + \(b)")
      }
    }
  }

  @Test func lastAndDeletingLastComponentMatchNSString() {
    for p in Self.plain {
      #expect(PathName.lastComponent(p) == (p as NSString).lastPathComponent, "\(p)")
      // Foundation traps on a one-character relative path ("a", "a/", "~"); PathName returns "" as for any other
      // single relative component.
      let parts = p.split(separator: "/")
      if !p.hasPrefix("/") && parts.count == 1 && parts[0].utf16.count == 1 {
        #expect(PathName.deletingLastComponent(p) == "")
        continue
      }
      #expect(PathName.deletingLastComponent(p) == (p as NSString).deletingLastPathComponent, "\(p)")
    }
  }

  @Test func standardizedMatchesNSString() throws {
    let dir = "/var/tmp/garrison-pathname-\(getpid())"
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir + "/real/sub", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    symlink(dir + "/real", dir + "/abs")  // absolute target
    symlink("real/sub", dir + "/rel")  // relative target
    symlink("rel", dir + "/chain")  // link to a link
    symlink("../real/sub/..", dir + "/real/up")  // relative target with ..
    symlink("missing", dir + "/dangling")
    symlink(dir + "/real/../real/./sub//", dir + "/absdots")  // destinations are made canonical
    symlink(dir + "/abs/sub", dir + "/viaabs")
    symlink(dir + "/missing", dir + "/absdangling")
    var paths = Self.plain
    for suffix in [
      "", "/", "/real", "/abs", "/abs/sub", "/rel", "/rel/", "/chain/x", "/real/up/sub", "/dangling",
      "/dangling/x", "/abs/../real", "/./abs//sub/.", "/nonexistent/../abs", "/rel/../..", "/absdots/x",
      "/viaabs", "/absdangling/x",
    ] {
      paths.append(dir + suffix)
    }
    for p in paths {
      #expect(PathName.standardized(p) == (p as NSString).standardizingPath, "\(p)")
    }
  }
}
