import ArgumentParser
import GarrisonCore

/// The `garrison` command: compile, explain and lint pod manifests, run pods, read the audit log.
public struct GarrisonCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "garrison",
    abstract: "Security-policy enforcement runtime for Kubernetes pods.",
    discussion: """
      Exit codes: 0 success; 1 findings at or above --fail-on (lint) or a failed verification (audit verify);
      2 bad input or usage (file:line:col and field path are printed); 3 refused or unenforceable on this host;
      4 a system operation failed (apply --wait: a pod failed); 5 apply --wait timed out.
      """,
    subcommands: GarrisonCommand.registered
  )
  /// Subcommands, one file each; the list is extended as modules land.
  public static var registered: [any ParsableCommand.Type] {
    [
      ExplainCommand.self,
      CompileCommand.self,
      ImageCommand.self,
      LintCommand.self,
      AuditCommand.self,
      AdmissionCommand.self,
      ApplyCommand.self,
      GetCommand.self,
      DescribeCommand.self,
      LogsCommand.self,
      ExecCommand.self,
      PortForwardCommand.self,
      DeleteCommand.self,
      ScaleCommand.self,
      RolloutCommand.self,
      TopCommand.self,
      MetricsCommand.self,
      SuperviseCommand.self,
      ControlCommand.self,
      AppArmorCommand.self,
      SELinuxCommand.self,
    ]
  }
  public init() {}
}
