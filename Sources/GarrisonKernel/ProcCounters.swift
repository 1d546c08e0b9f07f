import Glibc

/// One network interface's counters from `/proc/<pid>/net/dev` (the interfaces of that process's network namespace).
public struct InterfaceCounters: Sendable, Hashable {
  public var name: String
  public var receiveBytes: UInt64
  public var receivePackets: UInt64
  public var receiveErrors: UInt64
  public var receiveDropped: UInt64
  public var transmitBytes: UInt64
  public var transmitPackets: UInt64
  public var transmitErrors: UInt64
  public var transmitDropped: UInt64

  public init(
    name: String, receiveBytes: UInt64, receivePackets: UInt64, receiveErrors: UInt64, receiveDropped: UInt64,
    transmitBytes: UInt64, transmitPackets: UInt64, transmitErrors: UInt64, transmitDropped: UInt64
  ) {
    self.name = name
    self.receiveBytes = receiveBytes
    self.receivePackets = receivePackets
    self.receiveErrors = receiveErrors
    self.receiveDropped = receiveDropped
    self.transmitBytes = transmitBytes
    self.transmitPackets = transmitPackets
    self.transmitErrors = transmitErrors
    self.transmitDropped = transmitDropped
  }
}

/// The host-wide CPU and memory counters `top node` and the metrics exporter read: `/proc/stat`'s first `cpu` line
/// and `/proc/meminfo`, and a process's network namespace counters (`/proc/<pid>/net/dev`). One read per file.
public enum ProcCounters {
  /// Parses `/proc/<pid>/net/dev`: two header lines, then `name: rx_bytes rx_packets rx_errs rx_drop … tx_bytes …`.
  public static func parseNetDev(_ text: String) -> [InterfaceCounters] {
    var out: [InterfaceCounters] = []
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }  // the two header lines have `|`, not `:`
      let name = line[..<colon].trimmingSpaces()
      let f = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
      guard f.count >= 16, !name.isEmpty else { continue }
      out.append(
        InterfaceCounters(
          name: name, receiveBytes: f[0], receivePackets: f[1], receiveErrors: f[2], receiveDropped: f[3],
          transmitBytes: f[8], transmitPackets: f[9], transmitErrors: f[10], transmitDropped: f[11]))
    }
    return out
  }

  /// The interfaces of `pid`'s network namespace (`/proc/<pid>/net/dev`).
  public static func networkInterfaces(pid: Int32) throws(Errno) -> [InterfaceCounters] {
    parseNetDev(try FileIO.readText("/proc/\(pid)/net/dev"))
  }

  /// Busy and total CPU time since boot in clock ticks, from `/proc/stat`'s aggregate `cpu` line
  /// (busy = total − idle − iowait).
  public static func cpuTicks() throws(Errno) -> (busy: UInt64, total: UInt64) {
    let text = try FileIO.readText("/proc/stat")
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { throw .EINVAL }
    let f = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
    guard f.count >= 5 else { throw .EINVAL }
    let total = f.prefix(8).reduce(0, +)  // user nice system idle iowait irq softirq steal (guest is inside user)
    return (total - f[3] - f[4], total)
  }

  /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
  public static var ticksPerSecond: UInt64 { UInt64(max(1, sysconf(Int32(_SC_CLK_TCK)))) }

  /// `/proc/meminfo` as bytes per key (`MemTotal`, `MemFree`, `Inactive(file)`, ...).
  public static func memInfo() throws(Errno) -> [String: UInt64] {
    var out: [String: UInt64] = [:]
    for line in try FileIO.readText("/proc/meminfo").split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let f = line[line.index(after: colon)...].split(separator: " ")
      guard let v = f.first.flatMap({ UInt64($0) }) else { continue }
      out[String(line[..<colon])] = f.count > 1 && f[1] == "kB" ? v * 1024 : v
    }
    return out
  }

  /// The node's working set as the kubelet reports it for the root cgroup: memory in use minus inactive file
  /// pages (`MemTotal − MemFree − Inactive(file)`), never below zero.
  public static func nodeWorkingSet(_ info: [String: UInt64]) -> UInt64 {
    let used = (info["MemTotal"] ?? 0) &- min(info["MemTotal"] ?? 0, info["MemFree"] ?? 0)
    let inactive = info["Inactive(file)"] ?? 0
    return used > inactive ? used - inactive : 0
  }
}

extension Substring {
  fileprivate func trimmingSpaces() -> String {
    String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}
