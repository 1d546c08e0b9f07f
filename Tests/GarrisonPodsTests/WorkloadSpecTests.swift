import GarrisonCore
import GarrisonManifest
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing

/// `WorkloadSpec.parse`: Kubernetes' defaults and validation of the workload fields (no root).
@Suite struct WorkloadSpecTests {
  func parse(_ yaml: String) throws -> WorkloadSpec {
    let r = ManifestLoader.parse(text: yaml, file: "w.yaml")
    if let e = r.errors.first { throw e }
    return try WorkloadSpec.parse(try #require(r.objects.first))
  }

  static let template = """
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: c, image: busybox}]
    """

  @Test func deploymentDefaults() throws {
    let s = try parse(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n" + Self.template)
    #expect(s.replicas == 1 && s.revisionHistoryLimit == 10 && s.progressDeadlineSeconds == 600 && s.minReadySeconds == 0)
    #expect(s.strategy == DeploymentStrategy(type: "RollingUpdate", maxSurge: .percent(25), maxUnavailable: .percent(25)))
    #expect(s.selector.description == "app=web" && s.templateLabels == ["app": "web"])
  }

  @Test(arguments: [
    ("spec:\n  selector: {matchLabels: {app: db}}\n", "spec.template.metadata.labels", "does not match template"),
    ("spec:\n  replicas: -1\n  selector: {matchLabels: {app: web}}\n", "spec.replicas", "greater than or equal to 0"),
    (
      "spec:\n  selector: {matchLabels: {app: web}}\n  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}\n",
      "spec.strategy.rollingUpdate.maxUnavailable", "may not be 0"
    ),
    (
      "spec:\n  selector: {matchLabels: {app: web}}\n  strategy: {rollingUpdate: {maxSurge: \"150%\"}}\n",
      "spec.strategy.rollingUpdate.maxSurge", "100%"
    ),
    (
      "spec:\n  selector: {matchLabels: {app: web}}\n  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n",
      "spec.strategy.rollingUpdate", "Recreate"
    ),
    ("spec:\n", "spec.selector", "Required"),
  ])
  func invalidDeploymentsNameTheField(_ spec: String, _ field: String, _ message: String) throws {
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n" + spec + Self.template
    #expect {
      _ = try parse(yaml)
    } throws: { e in
      let g = e as? GarrisonError
      return g?.fieldPath?.description == field && (g?.message.contains(message) ?? false) && g?.location?.file == "w.yaml"
    }
  }

  @Test func jobsNeedOnFailureOrNever() throws {
    let ok = try parse(
      """
      apiVersion: batch/v1
      kind: Job
      metadata: {name: j}
      spec:
        completions: 3
        parallelism: 2
        backoffLimit: 1
        template:
          spec:
            restartPolicy: Never
            containers: [{name: c, image: busybox}]
      """)
    #expect(ok.completions == 3 && ok.parallelism == 2 && ok.backoffLimit == 1 && ok.restartPolicy == "Never")
    #expect(throws: GarrisonError.self) {
      _ = try parse(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: busybox}]\n"
      )
    }
    #expect(throws: GarrisonError.self) {
      _ = try parse(
        "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
          + Self.template)
    }
  }

  @Test func theTemplateHashIgnoresKeyOrderAndFollowsChanges() throws {
    let a = try parse(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n" + Self.template)
    let b = try parse(
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        template:
          spec:
            containers: [{image: busybox, name: c}]
          metadata: {labels: {app: web}}
        selector: {matchLabels: {app: web}}
      """)
    #expect(TemplateHash.compute(template: a.template) == TemplateHash.compute(template: b.template))
    let c = try parse(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
        + Self.template.replacingOccurrences(of: "image: busybox", with: "image: busybox:2"))
    #expect(TemplateHash.compute(template: a.template) != TemplateHash.compute(template: c.template))
  }
}
