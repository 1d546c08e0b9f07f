import GarrisonPlan
import GarrisonKernel
import GarrisonOCI

extension PodExec {
  /// What an exec reads of a pod's `record.json`: its identity, runtime and, per container, name, role, plan
  /// digest and user. Decoded without the containers' OCI specs and the pod spec the record also holds, whose
  /// decoding was most of `garrison exec`'s own work before the runtime's (bench/exec RESULTS.md).
  public struct Record: Decodable, Sendable {
    public var namespace: String
    public var name: String
    public var uid: String
    public var runtime: RuntimeConfig
    public var containers: [Container]

    /// One container of the record.
    public struct Container: Decodable, Sendable {
      public var name: String
      public var role: ContainerRole
      public var planDigest: String
      public var spec: Spec
      /// The container process's user (`spec.process.user`).
      public var user: RuntimeSpec.User? { spec.process?.user }

      /// `spec.process.user` of the container's OCI spec, and nothing else of it.
      public struct Spec: Decodable, Sendable {
        public var process: Process?
        /// The OCI process's user.
        public struct Process: Decodable, Sendable { public var user: RuntimeSpec.User }
      }
    }
  }

  /// What an exec reads of a pod's `status.json`: the containers' states and the supervisor.
  struct Status: Decodable {
    var containers: [ContainerStatus]
    var supervisor: ProcessRef?
  }
}
