import Foundation
import GarrisonCore
import GarrisonInitProtocol
import GarrisonOCI
import GarrisonRuntime
import Testing

/// config.json `hooks` are validated before anything is created, every error naming its field; what passes is
/// split between the runtime (prestart, createRuntime, poststart, poststop) and garrison-init.
@Suite struct OCIHooksTests {
  static func hooks(_ kind: HookKind, _ hook: RuntimeSpec.Hook) -> RuntimeSpec.Hooks {
    var h = RuntimeSpec.Hooks()
    switch kind {
    case .prestart: h.prestart = [.init(path: "/ok"), hook]
    case .createRuntime: h.createRuntime = [.init(path: "/ok"), hook]
    case .createContainer: h.createContainer = [.init(path: "/ok"), hook]
    case .startContainer: h.startContainer = [.init(path: "/ok"), hook]
    case .poststart: h.poststart = [.init(path: "/ok"), hook]
    case .poststop: h.poststop = [.init(path: "/ok"), hook]
    }
    return h
  }

  @Test(arguments: [
    (RuntimeSpec.Hook(path: "bin/hook"), "path", "must be absolute"),
    (RuntimeSpec.Hook(path: ""), "path", "must be absolute"),
    (RuntimeSpec.Hook(path: "/h", timeout: 0), "timeout", "greater than zero"),
    (RuntimeSpec.Hook(path: "/h", timeout: -5), "timeout", "greater than zero"),
    (RuntimeSpec.Hook(path: "/h", timeout: Int(Int32.max) + 1), "timeout", "too large"),
    (RuntimeSpec.Hook(path: "/h\u{0}x"), "path", "NUL"),
    (RuntimeSpec.Hook(path: "/h", args: ["h", "a\u{0}"]), "args[1]", "NUL"),
    (RuntimeSpec.Hook(path: "/h", env: ["A=\u{0}"]), "env[0]", "NUL"),
  ]) func badHooksNameTheirField(_ hook: RuntimeSpec.Hook, _ field: String, _ text: String) {
    for kind in HookKind.allCases {
      do {
        _ = try OCIHooks(Self.hooks(kind, hook))
        Issue.record("\(kind) \(hook) was accepted")
      } catch let e as GarrisonError {
        #expect(e.code == .invalid)
        #expect(e.fieldPath?.description == "hooks.\(kind.rawValue)[1].\(field)", "\(e)")
        #expect(e.message.contains(text), "\(e)")
      } catch {
        Issue.record("\(error)")
      }
    }
  }

  @Test func theInitGetsWhatItRunsOrWaitsFor() throws {
    let state = HookState(id: "c", bundle: "/b")
    #expect(try OCIHooks(nil).isEmpty)
    #expect(try OCIHooks(.init(prestart: [], poststop: [])).isEmpty)
    #expect(try OCIHooks(.init(poststart: [.init(path: "/p")], poststop: [.init(path: "/q")])).forInit(state: state) == nil)
    let all = try OCIHooks(
      .init(
        prestart: [.init(path: "/a")], createContainer: [.init(path: "/c", args: ["c", "1"], env: ["E=1"], timeout: 2)],
        startContainer: [.init(path: "/s")], poststop: [.init(path: "/z")]))
    #expect(
      all.forInit(state: state)
        == InitSpec.Hooks(
          pauseForRuntime: true, createContainer: [.init(path: "/c", args: ["c", "1"], env: ["E=1"], timeout: 2)],
          startContainer: [.init(path: "/s")], state: state))
    #expect(try OCIHooks(.init(createRuntime: [.init(path: "/a")])).forInit(state: state)?.pauseForRuntime == true)
    #expect(try OCIHooks(.init(startContainer: [.init(path: "/s")])).forInit(state: state)?.pauseForRuntime == false)
  }

  /// A mistyped hook field is named by the config.json reader (JSONDecoder decides where the fast reader is unsure).
  /// (A fractional number where an integer belongs is declined too, but FoundationEssentials' JSONDecoder reports
  /// it as "not valid JSON" without a path, for every integer field of config.json alike.)
  @Test(arguments: [
    (#"{"ociVersion":"1","hooks":{"createRuntime":[{"path":"/x","timeout":"5"}]}}"#, "hooks.createRuntime[0].timeout"),
    (#"{"ociVersion":"1","hooks":{"poststop":[{"args":["x"]}]}}"#, "hooks.poststop[0].path"),
    (#"{"ociVersion":"1","hooks":{"startContainer":[{"path":"/x","env":"A=1"}]}}"#, "hooks.startContainer[0].env"),
    (#"{"ociVersion":"1","hooks":{"prestart":{"path":"/x"}}}"#, "hooks.prestart"),
  ]) func mistypedHooksNameTheField(_ text: String, _ field: String) {
    #expect(RuntimeSpecReader.read(Array(#"{"ociVersion":"1","hooks":{"poststart":[{"path":"/x","timeout":1.5}]}}"#.utf8)) == nil)
    #expect(RuntimeSpecReader.read(Array(text.utf8)) == nil)
    do {
      _ = try BundleLoader.decode(Data(text.utf8))
      Issue.record("accepted \(text)")
    } catch let e as GarrisonError {
      #expect(e.fieldPath?.description == field, "\(e)")
    } catch {
      Issue.record("\(error)")
    }
  }
}
