import GarrisonCore

extension ResourceRequirements {
  /// `resources`, checked as Kubernetes' `ValidateResourceRequirements` does for what Garrison acts on:
  /// every quantity non-negative, and a request no larger than the limit of the same resource.
  static func decode(_ res: NodeReader) throws -> ResourceRequirements {
    res.ignore(["claims"])
    let limits = try res.quantityMap("limits"), requests = try res.quantityMap("requests")
    for (key, map) in [("limits", limits), ("requests", requests)] {
      for (name, q) in map.sorted(by: { $0.key < $1.key }) where q.isNegative {
        let field = (res.path / key).appending(key: name)
        res.report(res.invalid(field, KubernetesNames.invalid(q.original, ["must be greater than or equal to 0"])))
      }
    }
    for (name, q) in requests.sorted(by: { $0.key < $1.key }) {
      guard let limit = limits[name], q > limit else { continue }
      let field = (res.path / "requests").appending(key: name)
      res.report(
        res.invalid(field, KubernetesNames.invalid(q.original, ["must be less than or equal to \(name) limit of \(limit.original)"])))
    }
    return ResourceRequirements(limits: limits, requests: requests)
  }
}
