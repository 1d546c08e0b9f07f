import GarrisonCore
import Testing
@testable import GarrisonManifest

/// The name formats against apimachinery's own test tables (`validation_test.go`), and names the API server
/// accepts staying accepted (issue 15: Garrison must not be stricter than the API server).
struct KubernetesNamesTests {
  static let long63 = String(repeating: "a", count: 63)

  @Test(arguments: ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", long63])
  func validLabels(_ s: String) { #expect(KubernetesNames.dnsLabelErrors(s).isEmpty) }

  @Test(arguments: [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a",
    "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", long63 + "a", "a\0b",
  ])
  func invalidLabels(_ s: String) { #expect(!KubernetesNames.dnsLabelErrors(s).isEmpty) }

  @Test(arguments: [
    "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a.a", "ab.a", "abc.a",
    "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1", "a-1.1", "a--1--2--b.1", "0.a", "01.a", "012.a",
    "1a.a", "1-a.a", "1--a--b--2", "0.1", "01.1", "012.1", "1a.1", "1-a.1", "1--a--b--2.1", "a.b.c.d.e", "aa.bb.cc.dd.ee",
    "1.2.3.4.5", "11.22.33.44.55",
    // A label inside a subdomain is not limited to 63 characters; only the whole is, to 253.
    String(repeating: "a", count: 100) + ".example.com", String(repeating: "a", count: 253),
  ])
  func validSubdomains(_ s: String) { #expect(KubernetesNames.dnsSubdomainErrors(s).isEmpty, "\(s)") }

  @Test(arguments: [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".",
    "a.", ".a", "a..b", "1.", ".1", "1..2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", "A.a", "aB.a", "ab.A", "A1.a",
    "a1.A", "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A", "012.A", "1A.a", "1a.A", "A.B.C.D.E", "AA.BB.CC.DD.EE",
    "a.B.c.d.e", "aa.bB.cc.dd.ee", "a@b", "a,b", "a_b", "a;b", "a:b", "a%b", "a?b", "a$b", "../x",
    String(repeating: "a", count: 254),
  ])
  func invalidSubdomains(_ s: String) { #expect(!KubernetesNames.dnsSubdomainErrors(s).isEmpty, "\(s)") }

  @Test func dns1035StartsWithALetter() {
    #expect(KubernetesNames.dns1035LabelErrors("abc-123").isEmpty)
    #expect(!KubernetesNames.dns1035LabelErrors("1abc").isEmpty)
  }

  @Test(arguments: [
    ("system:controller:job-controller", true), ("a:b", true), ("Capital_Name", true), ("..", false), (".", false), ("a/b", false),
    ("a%2F", false),
  ])
  func pathSegmentNames(name: String, valid: Bool) { #expect(KubernetesNames.pathSegmentErrors(name).isEmpty == valid) }

  @Test(arguments: [("web-", true), ("a-", true), ("-", false), ("../", false), ("Web-", false)])
  func generateNamePrefixes(prefix: String, valid: Bool) {
    #expect(KubernetesNames.errors(prefix, .dnsSubdomain, prefix: true).isEmpty == valid)
  }

  @Test(arguments: [
    ("key.name", true), ("KEY_NAME", true), ("key-name", true), (".dotfile", true), ("..data", false), ("..", false), (".", false),
    ("a/b", false), ("", false),
  ])
  func configMapKeys(key: String, valid: Bool) { #expect(KubernetesNames.configMapKeyErrors(key).isEmpty == valid) }

  @Test func messagesAreTheAPIServers() {
    #expect(KubernetesNames.dnsLabelErrors("a.b") == ["must not contain dots"])
    #expect(
      KubernetesNames.dnsLabelErrors("A") == [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
      ])
    #expect(KubernetesNames.quoted("a\0b") == "\"a\\x00b\"")
  }

  /// Objects the API server accepts load without errors.
  @Test(arguments: [
    "kind: ClusterRole\nmetadata: {name: \"system:controller:job-controller\"}",
    "kind: RoleBinding\nmetadata: {name: \"dev:read\", namespace: team-a}",
    // The API server clears a cluster-scoped object's namespace instead of refusing it.
    "kind: ClusterRoleBinding\nmetadata: {name: crb, namespace: ../..}",
    "kind: ConfigMap\nmetadata: {name: \(String(repeating: "a", count: 100)).example.com}\ndata: {.dotfile: x, KEY_1: y}",
    "kind: Pod\nmetadata: {name: \(String(repeating: "x", count: 70)).y}\nspec: {containers: [{name: c}]}",
    "kind: Pod\nmetadata: {generateName: web-}\nspec: {containers: [{name: c}]}",
    // A workload's template metadata is not validated by the API server (nor used).
    "kind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata: {name: Not_A_DNS_Name, namespace: ../.., uid: a/b}\n    spec: {containers: [{name: c}]}",
    "kind: Service\nmetadata: {name: abc-123}",
    """
    kind: Pod
    metadata:
      name: ok
      annotations:
        container.apparmor.security.beta.kubernetes.io/c: runtime/default
        seccomp.security.alpha.kubernetes.io/pod: localhost/profiles/a.json
    spec:
      hostname: my-host
      subdomain: svc
      containers:
      - name: c
        args: ["a", "", "b c"]
        env: [{name: 1ABC.x-y, value: ""}, {name: "MY VAR"}]
        ports: [{containerPort: 65535, hostPort: 0}, {containerPort: 1, hostPort: 65535, protocol: SCTP}, {containerPort: 2, protocol: ""}]
        resources: {requests: {cpu: 500m}, limits: {cpu: "1e9", memory: 0}}
        volumeMounts:
        - {name: s, mountPath: /s, subPath: a..b/.c}
        - {name: h, mountPath: /h, subPathExpr: $(POD)/x, mountPropagation: HostToContainer}
        securityContext:
          seccompProfile: {type: Localhost, localhostProfile: profiles/a..b.json}
          appArmorProfile: {type: Localhost, localhostProfile: k8s-apparmor-example}
      volumes:
      - {name: s, secret: {secretName: db.creds-1, defaultMode: 0777, items: [{key: k, path: a/.b, mode: 0}]}}
      - {name: h, hostPath: {path: /var/..log, type: ""}}
      - {name: e, emptyDir: {sizeLimit: "0"}}
      - {name: p, projected: {defaultMode: 0444, sources: [{serviceAccountToken: {path: token}}]}}
    """,
  ])
  func acceptedByTheAPIServerStaysAccepted(body: String) throws {
    let r = ManifestLoader.parse(text: "apiVersion: v1\n" + body + "\n", file: "ok.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    #expect(r.warnings.isEmpty, "\(r.warnings)")
    #expect(r.objects.count == 1)
  }

  @Test func clusterScopedNamespaceIsCleared() throws {
    let r = ManifestLoader.parse(text: "apiVersion: v1\nkind: ClusterRole\nmetadata: {name: x, namespace: ../..}\n", file: "c.yaml")
    #expect(r.objects.first?.metadata.namespace == nil)
  }
}
