import GarrisonCore
import Glibc

/// Resolution of container paths (mount destinations, device nodes, masked paths) against a container's root
/// directory without ever leaving it: the in-root half of GarrisonKernel's containment (``ContainedDirectory``
/// is the host half). Used by `garrison-init`, which mounts onto what it opens here (`/proc/self/fd/N`).
///
/// Every component is opened with `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`, so an absolute or
/// `..` symlink is clamped to the root by the kernel. On top of that a symlink whose target lexically climbs
/// above the root is refused outright: no legitimate image needs one, and it signals an escape attempt.
/// A path without `..` and without any symlink on it is opened in one call (`openDirect`); everything else
/// takes the component walk.
public struct ContainedRoot {
  /// The root directory (`O_PATH`), owned by the caller.
  public let rootFD: Int32
  /// Description of the root for messages.
  public let rootName: String

  public init(rootFD: Int32, rootName: String) {
    self.rootFD = rootFD
    self.rootName = rootName
  }

  public static let resolve: UInt64 = LinuxConstants.RESOLVE_IN_ROOT | LinuxConstants.RESOLVE_NO_MAGICLINKS

  /// The common case in one system call: `path` has no `..` and the kernel finds no symlink on it
  /// (`RESOLVE_NO_SYMLINKS`), so the component walk below would resolve it to its own components. Returns
  /// the descriptor, `.missing` when a component does not exist before any symlink (the walk would find the
  /// same), or `.walk` when the walk must decide (a symlink, a `..`, any other error).
  private enum Direct { case opened(Int32), missing, walk }
  private func openDirect(_ path: String) -> Direct {
    let parts = path.split(separator: "/")
    guard !parts.contains("..") else { return .walk }
    do {
      return .opened(
        try Kernel.openat2(
          rootFD, "/" + parts.joined(separator: "/"), flags: LinuxConstants.O_PATH,
          resolve: Self.resolve | LinuxConstants.RESOLVE_NO_SYMLINKS))
    } catch let err where err == .ENOENT {
      return .missing
    } catch {
      return .walk
    }
  }

  /// Lexically resolves `path` inside the root, following symlinks found on disk, and fails if one climbs
  /// out. Returns the resolved components; missing trailing components are kept as given.
  public func components(of path: String) throws(GarrisonError) -> [String] {
    if path.utf8.contains(0) { throw Self.failure("resolve \(ContainedPath.printable(path)) in \(rootName)", "contains a NUL byte") }
    var pending = path.split(separator: "/").map(String.init)
    var resolved: [String] = []
    var hops = 0
    var missing = false  // below a missing component nothing exists, so nothing is a symlink
    while !pending.isEmpty {
      let name = pending.removeFirst()
      if name == "." || name.isEmpty { continue }
      if name == ".." {
        if resolved.isEmpty {
          throw Self.failure("resolve \(path) in \(rootName)", "path climbs above the container root")
        }
        resolved.removeLast()
        continue
      }
      if missing {
        resolved.append(name)
        continue
      }
      let parent = "/" + resolved.joined(separator: "/")
      let parentFD: Int32
      do {
        parentFD = try Kernel.openat2(
          rootFD, parent, flags: LinuxConstants.O_PATH | LinuxConstants.O_DIRECTORY, resolve: Self.resolve)
      } catch {
        throw Self.failure("resolve \(path) in \(rootName)", "\(parent): \(error)")
      }
      defer { Kernel.close(parentFD) }
      var buffer = [CChar](repeating: 0, count: 4097)
      let n = readlinkat(parentFD, name, &buffer, 4096)
      if n < 0 {
        let err = Errno.current
        if err == .EINVAL || err == .ENOENT {  // not a symlink, or missing (created later)
          resolved.append(name)
          missing = err == .ENOENT
          continue
        }
        throw Self.failure("resolve \(path) in \(rootName)", "readlink \(name): \(err)")
      }
      hops += 1
      if hops > 40 { throw Self.failure("resolve \(path) in \(rootName)", Errno.ELOOP.description) }
      let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      let targetParts = target.split(separator: "/").map(String.init)
      if target.hasPrefix("/") {
        resolved = []
      } else {
        // A relative link may not climb above the root from where it sits.
        var depth = resolved.count
        for part in targetParts {
          if part == ".." { depth -= 1 } else if part != "." { depth += 1 }
          if depth < 0 {
            throw Self.failure(
              "resolve \(path) in \(rootName)",
              "symlink \(parent == "/" ? "" : parent)/\(name) -> \(target) points outside the container root")
          }
        }
      }
      pending = targetParts + pending
    }
    return resolved
  }

  /// Opens `path` (`O_PATH`) inside the root, creating missing directories (mode 0755) and, when
  /// `file` is true, an empty final file. Returns the descriptor.
  public func open(creating path: String, file: Bool) throws(GarrisonError) -> Int32 {
    if case .opened(let fd) = openDirect(path) { return fd }
    let parts = try components(of: path)
    var current = try open("/")
    for (i, name) in parts.enumerated() {
      let isLast = i == parts.count - 1
      let sub = "/" + parts[0...i].joined(separator: "/")
      do {
        let fd = try Kernel.openat2(rootFD, sub, flags: LinuxConstants.O_PATH, resolve: Self.resolve)
        Kernel.close(current)
        current = fd
        continue
      } catch let err where err == .ENOENT {
        // create below
      } catch {
        Kernel.close(current)
        throw Self.failure("open \(sub) in \(rootName)", error.description)
      }
      let parentDir = "/" + parts[0..<i].joined(separator: "/")
      let dirFD: Int32
      do {
        dirFD = try Kernel.openat2(
          rootFD, parentDir, flags: LinuxConstants.O_RDONLY | LinuxConstants.O_DIRECTORY, resolve: Self.resolve)
      } catch {
        Kernel.close(current)
        throw Self.failure("open \(parentDir) in \(rootName)", error.description)
      }
      defer { Kernel.close(dirFD) }
      do {
        if isLast && file {
          let f = try Kernel.openat(
            dirFD, name,
            flags: LinuxConstants.O_WRONLY | LinuxConstants.O_CREAT | LinuxConstants.O_EXCL
              | LinuxConstants.O_NOFOLLOW, mode: 0o644)
          Kernel.close(f)
        } else {
          try Kernel.mkdirat(dirFD, name, mode: 0o755)
        }
      } catch let err where err == .EEXIST {
        // raced with ourselves or a dangling entry; the open below decides
      } catch {
        Kernel.close(current)
        throw Self.failure("create \(sub) in \(rootName)", error.description)
      }
      do {
        let fd = try Kernel.openat2(rootFD, sub, flags: LinuxConstants.O_PATH, resolve: Self.resolve)
        Kernel.close(current)
        current = fd
      } catch {
        Kernel.close(current)
        throw Self.failure("open \(sub) in \(rootName)", error.description)
      }
    }
    return current
  }

  /// Opens an existing `path` (`O_PATH`) inside the root; nil if it does not exist.
  public func open(existing path: String) throws(GarrisonError) -> Int32? {
    switch openDirect(path) {
    case .opened(let fd): return fd
    case .missing: return nil
    case .walk: break
    }
    let parts = try components(of: path)
    do {
      return try Kernel.openat2(
        rootFD, "/" + parts.joined(separator: "/"), flags: LinuxConstants.O_PATH, resolve: Self.resolve)
    } catch let err where err == .ENOENT {
      return nil
    } catch {
      throw Self.failure("open \(path) in \(rootName)", error.description)
    }
  }

  private func open(_ path: String) throws(GarrisonError) -> Int32 {
    do { return try Kernel.openat2(rootFD, path, flags: LinuxConstants.O_PATH, resolve: Self.resolve) } catch {
      throw Self.failure("open \(path) in \(rootName)", error.description)
    }
  }

  /// A failed step: the operation (`resolve /etc in rootfs`) and why.
  static func failure(_ operation: String, _ why: String) -> GarrisonError {
    GarrisonError(.refused, operation: operation, why)
  }
}
