import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonImages
import GarrisonCompiler
import GarrisonSeccomp

/// Options shared by the commands that read manifests and compile them.
struct CompilerFlags: ParsableArguments {
  @Argument(help: "Manifest files or directories (*.yaml, *.yml, *.json); - reads standard input.")
  var files: [String]

  @Flag(help: "Treat unknown fields as errors.")
  var strict = false

  @Option(help: "Directory holding Localhost seccomp profiles.")
  var seccompProfileRoot = "/var/lib/garrison/seccomp"

  @Flag(inversion: .prefixedNo, help: "An unset seccompProfile means RuntimeDefault (kubelet --seccomp-default).")
  var seccompDefault = true

  @Option(help: "Comma-separated sysctls (or prefix globs like net.core.*) allowed beyond the safe set.")
  var allowedUnsafeSysctls: String?

  @Option(help: "The Policies/ directory (default: found beside the installation, or $GARRISON_POLICIES).")
  var policies: String?

  @Option(help: "Garrison state root: images there tell the compiler each image's USER (default $GARRISON_ROOT or /var/lib/garrison).")
  var root: String?

  @Option(
    name: .customLong("assume-image-user"),
    help: ArgumentHelp(
      "The uid an image not in the local store runs as (decides runAsNonRoot without runAsUser).", valueName: "uid"))
  var assumeImageUser: UInt32?

  /// Set by `explain`: describe a runAsNonRoot container of unknown uid instead of refusing it.
  var describeUnknownUser = false

  var compilerOptions: CompilerOptions {
    var o = CompilerOptions(seccompProfileRoot: seccompProfileRoot, seccompDefault: seccompDefault)
    o.imageUser = ImageUserLookup.make(root: root ?? ImageStore.defaultRoot(environment: ProcessInfo.processInfo.environment))
    if let policies { o.policiesDirectory = policies }
    if let root, Environment.value("GARRISON_SECCOMP_CACHE") == nil { o.bpfCacheDirectory = BPFCache.directory(root: root) }
    o.assumedImageUser = assumeImageUser
    o.describeUnknownUser = describeUnknownUser
    o.allowedUnsafeSysctls = (allowedUnsafeSysctls ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    return o
  }

  /// Loads the manifests; prints every error (and warnings) to stderr; exits 2 on any error.
  func loadObjects() throws -> [ManifestObject] {
    let result = ManifestLoader.load(paths: files)
    for w in result.warnings { Diagnostics.print(w, severity: strict ? "error" : "warning") }
    for e in result.errors { Diagnostics.print(e, severity: "error") }
    if !result.errors.isEmpty || (strict && !result.warnings.isEmpty) { throw ExitCode(ExitCodes.badInput) }
    let pods = result.objects.filter { $0.pod != nil }
    if !result.skipped.isEmpty {
      let kinds = Dictionary(grouping: result.skipped, by: \.kind).map { "\($0.value.count) \($0.key)" }.sorted()
      Diagnostics.print(
        GarrisonError(
          .invalid, "skipped \(result.skipped.count) object(s) of kinds Garrison does not model: \(kinds.joined(separator: ", "))"),
        severity: "info")
    }
    if pods.isEmpty {
      Diagnostics.print(GarrisonError(.invalid, "no pods found in \(files.joined(separator: " "))"), severity: "error")
      throw ExitCode(ExitCodes.badInput)
    }
    return pods
  }

  /// Compiles every pod; the first error is printed and ends the command with its exit code.
  func compileAll(_ objects: [ManifestObject]) throws -> [CompiledContainer] {
    let compiler: PolicyCompiler
    do {
      compiler = try PolicyCompiler(options: compilerOptions)
    } catch let e as GarrisonError {
      Diagnostics.print(e, severity: "error")
      throw ExitCode(e.exitCode)
    }
    var out: [CompiledContainer] = []
    for o in objects {
      do {
        out += try compiler.compile(o)
      } catch let e as GarrisonError {
        Diagnostics.print(e, severity: "error", object: o.reference)
        throw ExitCode(e.exitCode)
      }
    }
    return out
  }
}

/// Writes diagnostics to standard error in `file:line:col: severity: field: message` form.
enum Diagnostics {
  static func print(_ e: GarrisonError, severity: String, object: String? = nil) {
    FileHandle.standardError.write(Data((e.diagnosticLine(severity: severity, object: object) + "\n").utf8))
  }
}

/// Looks up an image's `User` in the local image store; an image the store does not hold is unknown (nil).
enum ImageUserLookup {
  static func make(root: String) -> @Sendable (String) -> String? {
    guard FileManager.default.fileExists(atPath: root + "/images/index.json"), let store = try? ImageStore(root: root) else {
      return { _ in nil }
    }
    let cache = LockedCache()
    return { image in
      if let hit = cache.get(image) { return hit }
      // Not in the store: the compiler treats the user as unknown and refuses it under runAsNonRoot.
      let user = (try? store.resolve(image)).map { $0.config.user ?? "" }
      cache.set(image, user)
      return user
    }
  }
}

/// A tiny thread-safe memo for image lookups.
final class LockedCache: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [String: String?] = [:]
  func get(_ k: String) -> String?? { lock.lock(); defer { lock.unlock() }; return values[k] }
  func set(_ k: String, _ v: String?) { lock.lock(); values[k] = v; lock.unlock() }
}
