import ArgumentParser
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel
import GarrisonOCI
import GarrisonRuntime
import Glibc

/// `create`: set up a container and leave it waiting for `start`.
struct OCICreate: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a container.")
  @OptionGroup var global: OCIGlobalOptions
  @Option(name: [.short, .long], help: "Bundle directory (config.json, rootfs).") var bundle: String = "."
  @Option(name: .customLong("pid-file"), help: "Write the container pid here.") var pidFile: String?
  @Option(
    name: .customLong("console-socket"),
    help: "Unix socket path that receives the pty master (SCM_RIGHTS) when process.terminal is true.")
  var consoleSocket: String?
  @Flag(name: .customLong("no-pivot"), help: "Use MS_MOVE + chroot instead of pivot_root.") var noPivot = false
  @OptionGroup var clientCompat: OCIClientCompatOptions
  @Argument var id: String

  var call: OCIVerbCall {
    .create(
      global.values, id: id,
      OCIVerbCall.Create(
        bundle: bundle, pidFile: pidFile, consoleSocket: consoleSocket,
        noPivot: noPivot, compat: clientCompat.values))
  }
  func run() throws { try call.execute() }
}

/// `start`: release a created container.
struct OCIStart: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a created container.")
  @OptionGroup var global: OCIGlobalOptions
  @Argument var id: String
  var call: OCIVerbCall { .start(global.values, id: id) }
  func run() throws { try call.execute() }
}

/// `run`: create + start, then wait and delete unless detached.
struct OCIRun: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "run", abstract: "Create and start a container.")
  @OptionGroup var global: OCIGlobalOptions
  @Option(name: [.short, .long]) var bundle: String = "."
  @Option(name: .customLong("pid-file")) var pidFile: String?
  @Option(
    name: .customLong("console-socket"),
    help: "Unix socket path that receives the pty master; required when process.terminal is true.")
  var consoleSocket: String?
  @Flag(name: .customLong("no-pivot")) var noPivot = false
  @Flag(name: [.short, .long], help: "Return once started.") var detach = false
  @OptionGroup var clientCompat: OCIClientCompatOptions
  @Argument var id: String
  var call: OCIVerbCall {
    .run(
      global.values, id: id,
      OCIVerbCall.Create(
        bundle: bundle, pidFile: pidFile, consoleSocket: consoleSocket,
        noPivot: noPivot, compat: clientCompat.values), detach: detach)
  }
  func run() throws { try call.execute() }
}

/// `state`: print the OCI state JSON.
struct OCIState: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "state", abstract: "Print a container's state.")
  @OptionGroup var global: OCIGlobalOptions
  @Argument var id: String
  var call: OCIVerbCall { .state(global.values, id: id) }
  func run() throws { try call.execute() }
}

/// `kill`: send a signal (name or number, default SIGTERM).
struct OCIKill: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "kill", abstract: "Signal a container.")
  @OptionGroup var global: OCIGlobalOptions
  @Flag(name: [.short, .long], help: "Signal every process of the container.") var all = false
  @Argument var id: String
  @Argument var signal: String = "SIGTERM"
  var call: OCIVerbCall { .kill(global.values, id: id, signal: signal, all: all) }
  func run() throws { try call.execute() }
}

/// `delete`: remove a stopped container (`--force` kills it first). As with runc, `--force` on a container
/// that no longer exists succeeds: containerd's shim and podman both delete again during their cleanup.
struct OCIDelete: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a container.")
  @OptionGroup var global: OCIGlobalOptions
  @Flag(name: [.short, .long]) var force = false
  @Argument var id: String
  var call: OCIVerbCall { .delete(global.values, id: id, force: force) }
  func run() throws { try call.execute() }
}

/// `ps`: list the container's host pids.
struct OCIPs: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "ps", abstract: "List a container's processes.")
  @OptionGroup var global: OCIGlobalOptions
  @Option(name: [.short, .long], help: "table or json.") var format: String = "table"
  @Argument var id: String
  func run() throws {
    try global.perform {
      let pids = try global.runtime().processes(id: id)
      if format == "json" {
        print("[" + pids.map(String.init).joined(separator: ",") + "]")
      } else {
        print("PID")
        for pid in pids { print(pid) }
      }
      return 0
    }
  }
}

/// `list`: the containers under --root.
struct OCIList: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "List containers.")
  @OptionGroup var global: OCIGlobalOptions
  func run() throws {
    try global.perform {
      let runtime = try global.runtime()
      print("ID\tPID\tSTATUS\tBUNDLE")
      for id in runtime.store.list() {
        if let s = try? runtime.state(id: id) { print("\(s.id)\t\(s.pid ?? 0)\t\(s.status)\t\(s.bundle)") }
      }
      return 0
    }
  }
}

func absolute(_ path: String) -> String {
  path.hasPrefix("/") ? path : PathName.join(FileManager.default.currentDirectoryPath, path)
}

/// Signal names and numbers (x86_64/aarch64 Linux).
enum Signals {
  static let table: [String: Int32] = [
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
    "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18,
    "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27,
    "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
  ]
  static func number(_ text: String) -> Int32? {
    if let n = Int32(text) { return (1...64).contains(n) ? n : nil }
    let upper = text.uppercased()
    return table[upper.hasPrefix("SIG") ? String(upper.dropFirst(3)) : upper]
  }
}

/// `update`: change the cgroup limits of a created or running container, as `runc update` (containerd's shim
/// calls it for `crictl update` and kubelet's in-place resize). `--resources FILE` (or `-` for stdin) holds a
/// `linux.resources` object; the flags set single fields on top of it.
struct OCIUpdate: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "update", abstract: "Update a container's resource limits.")
  @OptionGroup var global: OCIGlobalOptions
  @Option(name: [.short, .long], help: "A linux.resources JSON file, or - for standard input.") var resources: String?
  @Option(name: .customLong("cpu-shares"), help: "CPU shares (relative weight).") var cpuShares: UInt64?
  @Option(name: .customLong("cpu-quota"), help: "CFS quota in microseconds (-1: none).") var cpuQuota: Int64?
  @Option(name: .customLong("cpu-period"), help: "CFS period in microseconds.") var cpuPeriod: UInt64?
  @Option(name: .customLong("cpuset-cpus"), help: "CPUs to use (0-3,5).") var cpusetCpus: String?
  @Option(name: .customLong("cpuset-mems"), help: "Memory nodes to use.") var cpusetMems: String?
  @Option(name: [.short, .long], help: "Memory limit in bytes (k, m, g suffixes; -1: none).") var memory: String?
  @Option(name: .customLong("memory-swap"), help: "Memory plus swap limit in bytes (k, m, g; -1: none).") var memorySwap: String?
  @Option(name: .customLong("memory-reservation"), help: "Memory soft limit in bytes (k, m, g).") var memoryReservation: String?
  @Option(name: .customLong("pids-limit"), help: "Maximum number of tasks (-1 or 0: none).") var pidsLimit: Int64?
  @Argument var id: String

  func run() throws {
    try global.perform {
      var r = try base()
      if cpuShares != nil || cpuQuota != nil || cpuPeriod != nil || cpusetCpus != nil || cpusetMems != nil {
        var cpu = r.cpu ?? RuntimeSpec.CPU()
        if let cpuShares { cpu.shares = cpuShares }
        if let cpuQuota { cpu.quota = cpuQuota }
        if let cpuPeriod { cpu.period = cpuPeriod }
        if let cpusetCpus { cpu.cpus = cpusetCpus }
        if let cpusetMems { cpu.mems = cpusetMems }
        r.cpu = cpu
      }
      if memory != nil || memorySwap != nil || memoryReservation != nil {
        var m = r.memory ?? RuntimeSpec.Memory()
        if let memory { m.limit = try Self.bytes(memory, "--memory") }
        if let memorySwap { m.swap = try Self.bytes(memorySwap, "--memory-swap") }
        if let memoryReservation { m.reservation = try Self.bytes(memoryReservation, "--memory-reservation") }
        r.memory = m
      }
      if let pidsLimit { r.pids = .init(limit: pidsLimit) }
      try global.runtime().update(id: id, resources: r)
      return 0
    }
  }

  /// The `--resources` object, or an empty one.
  func base() throws -> RuntimeSpec.Resources {
    guard let resources else { return RuntimeSpec.Resources() }
    let data: Data
    if resources == "-" {
      var bytes: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 65536)
      while true {
        let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw GarrisonError(.system, operation: "read", "cannot read --resources from stdin", errno: errno) }
        if n == 0 { break }
        bytes += buffer[0..<n]
      }
      data = Data(bytes)
    } else {
      guard let d = FileManager.default.contents(atPath: resources) else {
        throw GarrisonError(.notFound, "cannot read --resources file \(resources)")
      }
      data = d
    }
    do {
      return try JSONDecoder().decode(RuntimeSpec.Resources.self, from: data)
    } catch {
      throw GarrisonError(.invalid, "--resources: not a linux.resources object: \(error)")
    }
  }

  /// runc's byte sizes: an integer with an optional k, m, g or t suffix (powers of 1024, any case, optional
  /// trailing b), or -1.
  static func bytes(_ text: String, _ flag: String) throws -> Int64 {
    if text == "-1" { return -1 }
    var digits = text.lowercased()
    if digits.hasSuffix("b") { digits.removeLast() }
    var shift: Int64 = 0
    if let last = digits.last, let s = ["k": Int64(10), "m": 20, "g": 30, "t": 40][String(last)] {
      shift = s
      digits.removeLast()
    }
    guard let n = Int64(digits), n >= 0, n <= (Int64.max >> shift) else {
      throw GarrisonError(.invalid, "\(flag): not a size in bytes: \"\(text)\"")
    }
    return n << shift
  }
}
