#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonOCI
import GarrisonRuntime
import Glibc

/// A per-container verb as plain values: what the ArgumentParser commands (`OCICreate`, `OCIRun`, …) turn into
/// and what `OCIFastPath` builds directly, so both run this one implementation and the fast path never
/// instantiates ArgumentParser's property wrappers (about a millisecond per start).
enum OCIVerbCall: Equatable {
  /// What `create` and `run` share.
  struct Create: Equatable {
    var bundle = "."
    var pidFile: String?
    var consoleSocket: String?
    var noPivot = false
    var compat = OCIClientCompat()

    var options: OCIRuntime.CreateOptions {
      .init(
        bundle: absolute(bundle), pidFile: pidFile.map(absolute), noPivot: noPivot,
        consoleSocket: consoleSocket.map(absolute))
    }
  }

  case create(OCIGlobals, id: String, Create)
  case run(OCIGlobals, id: String, Create, detach: Bool)
  case start(OCIGlobals, id: String)
  case state(OCIGlobals, id: String)
  case kill(OCIGlobals, id: String, signal: String, all: Bool)
  case delete(OCIGlobals, id: String, force: Bool)

  func execute() throws {
    switch self {
    case .create(let global, let id, let c):
      try global.perform(audit: .containerStarted, id: id, bundle: absolute(c.bundle)) {
        var options = c.options
        (options.extraFDs, options.listenFDs) = try c.compat.inheritedDescriptors(for: "create", socketActivation: true)
        try global.runtime().create(id: id, options: options)
        return 0
      }
    case .run(let global, let id, let c, let detach):
      try global.perform(audit: .containerStarted, id: id, bundle: absolute(c.bundle)) {
        var options = c.options
        (options.extraFDs, options.listenFDs) = try c.compat.inheritedDescriptors(for: "run", socketActivation: true)
        return try global.runtime().run(id: id, options: options, detach: detach)
      }
    case .start(let global, let id):
      try global.perform(audit: .containerStarted, id: id) {
        try global.runtime().start(id: id)
        return 0
      }
    case .state(let global, let id):
      try global.perform {
        let state = try global.runtime().state(id: id)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(state), as: UTF8.self))
        return 0
      }
    case .kill(let global, let id, let signal, let all):
      try global.perform {
        guard let number = Signals.number(signal) else { throw GarrisonError(.usage, "unknown signal \(signal)") }
        try global.runtime().kill(id: id, signal: number, all: all)
        return 0
      }
    case .delete(let global, let id, let force):
      // As with runc, `--force` on a container that no longer exists succeeds.
      try global.perform {
        let runtime = try global.runtime()
        try ContainerStore.validate(id: id)
        if force && access(runtime.store.directory(id), F_OK) != 0 && errno == ENOENT { return 0 }
        try runtime.delete(id: id, force: force)
        return 0
      }
    }
  }
}
