import Foundation
import GarrisonPods
import Testing

/// Volume sources, fsGroup and the namespace switches, on real pods.
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct VolumeAndNamespaceTests {
  @Test func configMapSecretEmptyDirMemoryAndFSGroup() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {mode: fast, other: x}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        data: {password: c2VjcmV0}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: vols}
        spec:
          restartPolicy: Never
          securityContext: {fsGroup: 4321}
          containers:
          - name: main
            command: ["/bin/sh", "-c", "cat /cfg/m; echo; cat /sec/password; echo; stat -c '%g %a' /scratch; touch /cfg/x 2>/dev/null || echo cfg-ro; touch /ro/x 2>/dev/null || echo emptydir-ro; cat /one/file; grep -c ' /scratch tmpfs' /proc/mounts"]
            volumeMounts:
            - {name: cfg, mountPath: /cfg}
            - {name: sec, mountPath: /sec}
            - {name: scratch, mountPath: /scratch}
            - {name: scratch, mountPath: /ro, readOnly: true}
            - {name: scratch, mountPath: /one, subPath: sub/dir}
          initContainers:
          - name: prep
            command: ["/bin/sh", "-c", "mkdir -p /s/sub/dir && echo in-subpath > /s/sub/dir/file"]
            volumeMounts: [{name: scratch, mountPath: /s}]
          volumes:
          - {name: cfg, configMap: {name: settings, items: [{key: mode, path: m}]}}
          - {name: sec, secret: {secretName: creds, defaultMode: 256}}  # 0o400 (YAML 0400 reads the same, as in Kubernetes)
          - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 4Mi}}
        """)
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("vols") { $0.status.phase.isTerminal }
      #expect(v.status.phase == .succeeded, "\(v.status)")
      let lines = s.log("vols", "main").split(separator: "\n").map(String.init)
      #expect(lines == ["fast", "secret", "4321 2777", "cfg-ro", "emptydir-ro", "in-subpath", "1"], "\(lines)")
      let secretFile = v.paths.volume("sec") + "/password"
      var st = stat()
      #expect(stat(secretFile, &st) == 0 && st.st_mode & 0o777 == 0o440 && st.st_gid == 4321)
      // Stored secrets are owner-only.
      #expect(stat(s.root + "/objects/default/secret/creds.json", &st) == 0 && st.st_mode & 0o077 == 0)
      let missing = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: nocfg}
        spec:
          containers: [{name: main, command: ["true"], volumeMounts: [{name: c, mountPath: /c}]}]
          volumes: [{name: c, configMap: {name: absent}}]
        """)
      #expect(missing.status == .exited(2) && missing.output.contains("spec.volumes[0].configMap"), "\(missing.output)")
    }
  }

  @Test func sharedProcessNamespaceAndHostNetwork() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: shared-pid}
        spec:
          shareProcessNamespace: true
          containers:
          - {name: a, command: ["sleep", "4242"]}
          - {name: b, command: ["/bin/sh", "-c", "sleep 1; ps -o args | grep -c '^sleep 4242'; exec sleep 1000"]}
        """)
      _ = try s.wait("shared-pid") { _ in s.log("shared-pid", "b").contains("\n") }
      #expect(s.log("shared-pid", "b") == "1\n")
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: host-net}
        spec:
          hostNetwork: true
          containers: [{name: a, command: ["sleep", "1000"]}]
        """)
      let v = try s.wait("host-net") { $0.status.container("a")?.state.kind == .running }
      let pid = try #require(v.status.container("a")?.pid)
      let mine = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net") == mine)
      #expect(
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/ipc")
          != (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/ipc")))
      let yaml = try s.garrison(["get", "pod", "host-net", "-o", "yaml"])
      #expect(yaml.succeeded && yaml.output.contains("phase: Running"), "\(yaml.output)")
    }
  }
}
