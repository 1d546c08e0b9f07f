import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonPlan
import GarrisonCompiler

/// `garrison explain`: the effective settings of every container, and which field or default produced each.
struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Show each container's effective security settings and where each one comes from.",
    discussion:
      "For every container (init, sidecar, app, ephemeral) prints the plan's settings with the manifest field (line:col) or the default that produced them, and the capability sets both as installed and as held after execve."
  )

  @OptionGroup var flags: CompilerFlags

  func run() throws {
    var flags = self.flags
    // A runAsNonRoot container whose image is not in the store: say what would decide it, not refuse.
    flags.describeUnknownUser = true
    let compiled = try flags.compileAll(try flags.loadObjects())
    print(compiled.map(ExplainText.render).joined(separator: "\n"), terminator: "")
  }
}

/// Renders one compiled container for `explain`.
enum ExplainText {
  static func render(_ c: CompiledContainer) -> String {
    let p = c.plan
    var lines: [String] = []
    lines.append("\(c.objectReference) container \"\(p.container.name)\" (\(p.container.role)) at \(c.containerPath)")
    lines.append("  plan \(p.digest ?? "")")
    func row(_ k: String, _ v: String, _ src: String) {
      func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
      lines.append(
        ("  " + pad(k, 26) + " " + pad(v, 34) + " " + src).trimmingCharacters(in: .whitespaces).replacingOccurrences(
          of: "^", with: "  ", options: .regularExpression))
    }
    func source(_ setting: String) -> String {
      c.provenance.last { $0.setting == setting }.map { "← \($0)" } ?? ""
    }
    let u = p.process.user
    let unverifiable = u.runAsNonRoot && !u.uidKnown && u.imageUser == nil
    row(
      "uid",
      u.uidKnown ? "\(u.uid)" : (u.imageUser.map { "\($0) (resolved at run time)" } ?? (unverifiable ? "unknown" : "\(u.uid) (assumed)")),
      source("process.user.uid"))
    row("gid", "\(u.gid)" + (u.primaryGroupFromImage ? " (or image passwd entry)" : ""), source("process.user.gid"))
    row(
      "supplementalGroups",
      u.supplementalGroups.map(String.init).joined(separator: ",").ifEmpty("(none)") + " [\(u.supplementalGroupsPolicy)]",
      source("process.user.supplementalGroups"))
    row("runAsNonRoot", "\(u.runAsNonRoot)", source("process.user.runAsNonRoot"))
    if unverifiable {
      lines.append("      needs: the image's uid, to verify runAsNonRoot: set runAsUser, import the image (garrison image import),")
      lines.append("      or pass --assume-image-user UID; until then compile refuses this container (exit 3) and apply would too")
    }
    row("privileged", "\(p.privileged)", source("privileged"))
    row("no_new_privs", "\(p.process.noNewPrivileges)", source("process.noNewPrivileges"))
    row("capabilities (installed)", "\(p.process.capabilities.bounding.members.count) caps", source("process.capabilities"))
    lines.append("      bounding=permitted=effective: \(p.process.capabilities.bounding)")
    lines.append("      inheritable: \(p.process.capabilities.inheritable)  ambient: \(p.process.capabilities.ambient)")
    let a = p.process.capabilitiesAfterExec
    lines.append(
      "  capabilities after execve as uid \(u.uid): effective \(a.effective), permitted \(a.permitted)"
        + (p.process.execCanRaise ? " (setuid/file-capability binaries could raise these: no_new_privs is off)" : ""))
    row("seccomp", p.seccomp.mode.rawValue + (p.seccomp.profile.map { " \($0)" } ?? ""), source("seccomp"))
    if let d = p.seccomp.policyDigest { lines.append("      policy \(d)") }
    if let d = p.seccomp.bpfDigest { lines.append("      bpf    \(d) (libseccomp, binary tree; cached)") }
    row("apparmor", p.appArmor.mode.rawValue + (p.appArmor.profileName.map { " \($0)" } ?? ""), source("appArmor"))
    row("selinux", p.seLinux.processLabel ?? "disabled", source("seLinux"))
    row("readOnlyRootFilesystem", "\(p.filesystem.readOnlyRootFilesystem)", source("filesystem.readOnlyRootFilesystem"))
    row(
      "masked/read-only paths",
      "\(p.filesystem.maskedPaths.count)/\(p.filesystem.readonlyPaths.count) (procMount \(p.filesystem.procMount))",
      source("filesystem.maskedPaths"))
    let n = p.namespaces
    row("namespaces", "net=\(n.network) pid=\(n.pid) ipc=\(n.ipc) uts=\(n.uts) user=\(n.user)", source("namespaces"))
    if !p.sysctls.isEmpty {
      row("sysctls", p.sysctls.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "), source("sysctls"))
    }
    let r = p.resources
    var res = "cpu.shares=\(r.cpuShares) cpu.weight=\(r.cpuWeight)"
    if let q = r.cpuQuota, let per = r.cpuPeriod { res += " cpu.max=\(q)/\(per)" }
    if let m = r.memoryLimitBytes { res += " memory=\(m)" }
    if let pl = r.pidsLimit { res += " pids=\(pl)" }
    row("resources [\(r.qosClass)]", res, source("resources"))
    row("rlimits", p.process.rlimits.map { "\($0.type)=\($0.soft)/\($0.hard)" }.joined(separator: " "), source("process.rlimits"))
    return lines.joined(separator: "\n") + "\n"
  }
}

extension String {
  func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
