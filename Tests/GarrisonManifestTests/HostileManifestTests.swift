import GarrisonCore
import Testing
@testable import GarrisonManifest

/// Issue 13 (host-side safety): hostile values in fields Garrison acts on are refused at the model with exit 2,
/// naming the field path and its `file:line:col`, as Kubernetes' API validation refuses them.
struct HostileManifestTests {
  /// A Pod with one container `c`; `container` and `spec` are indented YAML lines added to each.
  static func pod(container: String = "", spec: String = "", metadata: String = "") -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata:
      name: p
    \(metadata.isEmpty ? "" : "  " + metadata.replacingOccurrences(of: "\n", with: "\n  "))
    spec:
      containers:
      - name: c
        image: x
    \(container.isEmpty ? "" : "    " + container.replacingOccurrences(of: "\n", with: "\n    "))
    \(spec.isEmpty ? "" : "  " + spec.replacingOccurrences(of: "\n", with: "\n  "))
    """
  }

  static func firstError(_ text: String) throws -> GarrisonError {
    let r = ManifestLoader.parse(text: text, file: "hostile.yaml")
    #expect(r.objects.isEmpty, "\(r.objects.map(\.reference))")
    return try #require(r.errors.first, "accepted:\n\(text)")
  }

  @Test(arguments: [
    // Cross-namespace read through a Secret/ConfigMap reference.
    (
      spec: "volumes: [{name: v, secret: {secretName: ../../victim/secret/dbpass}}]", field: "spec.volumes[0].secret.secretName",
      message: "RFC 1123 subdomain"
    ),
    (spec: "volumes: [{name: v, configMap: {name: ../other}}]", field: "spec.volumes[0].configMap.name", message: "RFC 1123 subdomain"),
    (spec: "volumes: [{name: v, secret: {}}]", field: "spec.volumes[0].secret.secretName", message: "Required value"),
    (
      spec: "volumes: [{name: v, persistentVolumeClaim: {claimName: a/b}}]", field: "spec.volumes[0].persistentVolumeClaim.claimName",
      message: "RFC 1123 subdomain"
    ),
    // A hostname that reads like a flag.
    (spec: "hostname: -F/some/host/file", field: "spec.hostname", message: "RFC 1123 label"),
    (spec: "hostname: a.b", field: "spec.hostname", message: "must not contain dots"),
    (spec: "subdomain: Sub_Domain", field: "spec.subdomain", message: "RFC 1123 label"),
    // File modes: negative, setuid, beyond 0777.
    (
      spec: "volumes: [{name: v, secret: {secretName: s, defaultMode: -1}}]", field: "spec.volumes[0].secret.defaultMode",
      message: "between 0 and 0777 (octal)"
    ),
    (
      spec: "volumes: [{name: v, configMap: {name: s, defaultMode: 04755}}]", field: "spec.volumes[0].configMap.defaultMode",
      message: "Invalid value: 2541"
    ),
    (
      spec: "volumes: [{name: v, configMap: {name: s, items: [{key: k, path: p, mode: 01000}]}}]",
      field: "spec.volumes[0].configMap.items[0].mode", message: "between 0 and 0777"
    ),
    (
      spec: "volumes: [{name: v, downwardAPI: {defaultMode: 4096}}]", field: "spec.volumes[0].downwardAPI.defaultMode",
      message: "between 0 and 0777"
    ),
    (
      spec: "volumes: [{name: v, projected: {defaultMode: -8, sources: []}}]", field: "spec.volumes[0].projected.defaultMode",
      message: "between 0 and 0777"
    ),
    // Item paths and keys.
    (
      spec: "volumes: [{name: v, secret: {secretName: s, items: [{key: k, path: ../../escape}]}}]",
      field: "spec.volumes[0].secret.items[0].path", message: "must not contain '..'"
    ),
    (
      spec: "volumes: [{name: v, secret: {secretName: s, items: [{key: k, path: /etc/passwd}]}}]",
      field: "spec.volumes[0].secret.items[0].path", message: "must be a relative path"
    ),
    (
      spec: "volumes: [{name: v, secret: {secretName: s, items: [{key: k, path: ..data}]}}]", field: "spec.volumes[0].secret.items[0].path",
      message: "must not start with '..'"
    ),
    (
      spec: "volumes: [{name: v, secret: {secretName: s, items: [{key: \"k\\0x\", path: p}]}}]",
      field: "spec.volumes[0].secret.items[0].key", message: "NUL"
    ),
    (
      spec: "volumes: [{name: v, projected: {sources: [{configMap: {name: c, items: [{key: k, path: a/../../b}]}}]}}]",
      field: "spec.volumes[0].projected.sources[0].configMap.items[0].path", message: "must not contain '..'"
    ),
    (
      spec: "volumes: [{name: v, downwardAPI: {items: [{path: ../x, fieldRef: {fieldPath: metadata.name}}]}}]",
      field: "spec.volumes[0].downwardAPI.items[0].path", message: "must not contain '..'"
    ),
    // hostPath.
    (spec: "volumes: [{name: v, hostPath: {path: \"/tmp\\0/etc\"}}]", field: "spec.volumes[0].hostPath.path", message: "NUL"),
    (spec: "volumes: [{name: v, hostPath: {path: /var/../etc}}]", field: "spec.volumes[0].hostPath.path", message: "must not contain '..'"),
    (spec: "volumes: [{name: v, hostPath: {path: /x, type: Weird}}]", field: "spec.volumes[0].hostPath.type", message: "Unsupported value"),
    // Quantities.
    (
      spec: "volumes: [{name: v, emptyDir: {sizeLimit: -1Gi}}]", field: "spec.volumes[0].emptyDir.sizeLimit",
      message: "SizeLimit field must be a valid resource quantity"
    ),
    // Names inside the pod.
    (spec: "volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]", field: "spec.volumes[1].name", message: "Duplicate value"),
    (spec: "volumes: [{name: Bad_Volume, emptyDir: {}}]", field: "spec.volumes[0].name", message: "RFC 1123 label"),
    (spec: "initContainers: [{name: c, image: x}]", field: "spec.containers[0].name", message: "Duplicate value"),
  ])
  func hostileSpecIsRefused(spec: String, field: String, message: String) throws {
    let e = try Self.firstError(Self.pod(spec: spec))
    #expect(e.fieldPath?.description == field, "\(e)")
    #expect(e.message.contains(message), "\(e)")
    #expect(e.exitCode == 2)
    #expect(e.location?.file == "hostile.yaml" && (e.location?.line ?? 0) >= 7, "\(e)")
  }

  @Test(arguments: [
    // NUL would cut the command short at execve.
    (container: "args: [\"-c\", \"echo ok\\0; rm -rf /\"]", field: "spec.containers[0].args[1]", message: "NUL"),
    (container: "command: [\"/bin/sh\\0x\"]", field: "spec.containers[0].command[0]", message: "NUL"),
    (container: "workingDir: \"/w\\0\"", field: "spec.containers[0].workingDir", message: "NUL"),
    (container: "env: [{name: \"A\\0B\", value: v}]", field: "spec.containers[0].env[0].name", message: "printable ASCII"),
    (container: "env: [{name: A=B, value: v}]", field: "spec.containers[0].env[0].name", message: "other than '='"),
    (container: "env: [{name: A, value: \"v\\0w\"}]", field: "spec.containers[0].env[0].value", message: "NUL"),
    // Mounts.
    (container: "volumeMounts: [{name: v, mountPath: \"/m\\0\"}]", field: "spec.containers[0].volumeMounts[0].mountPath", message: "NUL"),
    (
      container: "volumeMounts: [{name: v, mountPath: /m, subPath: ../../etc}]", field: "spec.containers[0].volumeMounts[0].subPath",
      message: "must not contain '..'"
    ),
    (
      container: "volumeMounts: [{name: v, mountPath: /m, subPath: /etc}]", field: "spec.containers[0].volumeMounts[0].subPath",
      message: "must be a relative path"
    ),
    (
      container: "volumeMounts: [{name: v, mountPath: /m, subPathExpr: $(X)/../..}]",
      field: "spec.containers[0].volumeMounts[0].subPathExpr", message: "must not contain '..'"
    ),
    (
      container: "volumeMounts: [{name: v, mountPath: /m, subPath: a, subPathExpr: b}]",
      field: "spec.containers[0].volumeMounts[0].subPathExpr", message: "mutually exclusive"
    ),
    (
      container: "volumeMounts: [{name: v, mountPath: /m}, {name: v, mountPath: /m}]",
      field: "spec.containers[0].volumeMounts[1].mountPath", message: "must be unique"
    ),
    (
      container: "volumeMounts: [{name: v, mountPath: /m, mountPropagation: Bidirectional}]",
      field: "spec.containers[0].volumeMounts[0].mountPropagation", message: "only to privileged containers"
    ),
    // Resources: negative, request above limit.
    (
      container: "resources: {limits: {cpu: \"-1\"}}", field: "spec.containers[0].resources.limits[cpu]",
      message: "must be greater than or equal to 0"
    ),
    (
      container: "resources: {requests: {memory: -5Mi}}", field: "spec.containers[0].resources.requests[memory]",
      message: "must be greater than or equal to 0"
    ),
    (
      container: "resources: {requests: {cpu: \"2\"}, limits: {cpu: \"1\"}}", field: "spec.containers[0].resources.requests[cpu]",
      message: "must be less than or equal to cpu limit of 1"
    ),
    // Ports.
    (container: "ports: [{containerPort: 70000}]", field: "spec.containers[0].ports[0].containerPort", message: "between 1 and 65535"),
    (
      container: "ports: [{containerPort: 80, hostPort: -1}]", field: "spec.containers[0].ports[0].hostPort", message: "between 1 and 65535"
    ),
    (
      container: "ports: [{containerPort: 80, hostPort: 65536}]", field: "spec.containers[0].ports[0].hostPort",
      message: "between 1 and 65535"
    ),
    (
      container: "ports: [{containerPort: 80, protocol: ICMP}]", field: "spec.containers[0].ports[0].protocol", message: "Unsupported value"
    ),
    // Profiles.
    (
      container: "securityContext: {seccompProfile: {type: Localhost, localhostProfile: ../../etc/shadow}}",
      field: "spec.containers[0].securityContext.seccompProfile.localhostProfile", message: "must not contain '..'"
    ),
    (
      container: "securityContext: {seccompProfile: {type: Localhost, localhostProfile: /etc/x.json}}",
      field: "spec.containers[0].securityContext.seccompProfile.localhostProfile", message: "must be a relative path"
    ),
    (
      container: "securityContext: {seccompProfile: {type: Localhost, localhostProfile: \"a.json\\0\"}}",
      field: "spec.containers[0].securityContext.seccompProfile.localhostProfile", message: "NUL"
    ),
    (
      container: "securityContext: {appArmorProfile: {type: Localhost, localhostProfile: \"p\\0q\"}}",
      field: "spec.containers[0].securityContext.appArmorProfile.localhostProfile", message: "NUL"
    ),
    (
      container: "securityContext: {appArmorProfile: {type: Localhost, localhostProfile: \" p\"}}",
      field: "spec.containers[0].securityContext.appArmorProfile.localhostProfile", message: "must not be padded with whitespace"
    ),
    (
      container: "securityContext: {seLinuxOptions: {type: \"t\\0\"}}", field: "spec.containers[0].securityContext.seLinuxOptions.type",
      message: "NUL"
    ),
  ])
  func hostileContainerIsRefused(container: String, field: String, message: String) throws {
    let e = try Self.firstError(Self.pod(container: container, spec: "volumes: [{name: v, emptyDir: {}}]"))
    #expect(e.fieldPath?.description == field, "\(e)")
    #expect(e.message.contains(message), "\(e)")
    #expect(e.exitCode == 2)
    #expect(e.location?.file == "hostile.yaml" && (e.location?.line ?? 0) >= 7, "\(e)")
  }

  @Test(arguments: [
    (metadata: "namespace: ../..", field: "metadata.namespace", message: "RFC 1123 label"),
    (metadata: "generateName: ../", field: "metadata.generateName", message: "RFC 1123 subdomain"),
    (metadata: "uid: ../../../sys/fs/cgroup", field: "metadata.uid", message: "may not contain '/'"),
    (
      metadata: "annotations: {container.apparmor.security.beta.kubernetes.io/c: \"localhost/p\\0q\"}",
      field: "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]", message: "NUL"
    ),
    (
      metadata: "annotations: {container.apparmor.security.beta.kubernetes.io/c: bogus}",
      field: "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]", message: "invalid AppArmor profile name"
    ),
    (
      metadata: "annotations: {seccomp.security.alpha.kubernetes.io/pod: localhost/../x}",
      field: "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", message: "must not contain '..'"
    ),
    (
      metadata: "annotations: {container.seccomp.security.alpha.kubernetes.io/c: whatever}",
      field: "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]", message: "must be a valid seccomp profile"
    ),
  ])
  func hostileMetadataIsRefused(metadata: String, field: String, message: String) throws {
    let e = try Self.firstError(Self.pod(metadata: metadata))
    #expect(e.fieldPath?.description == field, "\(e)")
    #expect(e.message.contains(message), "\(e)")
    #expect(e.exitCode == 2)
    #expect(e.location?.file == "hostile.yaml" && (e.location?.line ?? 0) >= 3, "\(e)")
  }

  @Test(arguments: [
    ("kind: Pod\nmetadata: {name: ../../x}\nspec: {containers: [{name: c}]}", "metadata.name", "RFC 1123 subdomain"),
    ("kind: Pod\nmetadata: {namespace: ns}\nspec: {containers: [{name: c}]}", "metadata.name", "name or generateName is required"),
    ("kind: Service\nmetadata: {name: 1abc}", "metadata.name", "DNS-1035 label"),
    ("kind: Namespace\nmetadata: {name: a.b}", "metadata.name", "must not contain dots"),
    ("kind: ClusterRole\nmetadata: {name: a/b}", "metadata.name", "may not contain '/'"),
    ("kind: Role\nmetadata: {name: ..}", "metadata.name", "may not be '..'"),
    ("kind: ConfigMap\nmetadata: {name: c}\ndata: {../../x: y}", "data[../../x]", "a valid config key"),
    ("kind: Secret\nmetadata: {name: s}\nstringData: {a/b: y}", "stringData[a/b]", "a valid config key"),
    (
      "kind: CronJob\nmetadata: {name: \(String(repeating: "a", count: 53))}\nspec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}}",
      "metadata.name", "no more than 52 characters"
    ),
  ])
  func hostileObjectsAreRefused(body: String, field: String, message: String) throws {
    let e = try Self.firstError("apiVersion: v1\n" + body + "\n")
    #expect(e.fieldPath?.description == field, "\(e)")
    #expect(e.message.contains(message), "\(e)")
    #expect(e.exitCode == 2)
  }
}
