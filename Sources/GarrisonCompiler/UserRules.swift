import GarrisonCore
import GarrisonManifest
import GarrisonPlan

/// uid, gid, groups and runAsNonRoot, merged as the kubelet does (container over pod over image).
enum UserRules {
  static func resolve(
    container csc: SecurityContext?, pod psc: PodSecurityContext?, podPath: FieldPath, containerPath: FieldPath,
    image: String, imageUser: String?, assumedUser: UInt32? = nil, describeUnknownUser: Bool = false,
    why: inout ProvenanceRecorder
  ) throws -> UserPlan {
    let runAsNonRoot = csc?.runAsNonRoot ?? psc?.runAsNonRoot ?? false
    let nonRootPath = csc?.runAsNonRoot != nil ? containerPath / "runAsNonRoot" : podPath / "runAsNonRoot"

    var uid: UInt32 = 0
    var uidKnown = true
    var imageUserToResolve: String?
    var imageGid: UInt32?
    if let u = csc?.runAsUser {
      uid = UInt32(u)
      why.field("process.user.uid", "\(uid)", containerPath / "runAsUser")
    } else if let u = psc?.runAsUser {
      uid = UInt32(u)
      why.field("process.user.uid", "\(uid)", podPath / "runAsUser")
    } else if let iu = imageUser {
      // The image's USER: "uid", "uid:gid", "name" or "name:group".
      let parts = iu.split(separator: ":", maxSplits: 1).map(String.init)
      if let first = parts.first, let n = UInt32(first) {
        uid = n
        why.rule("process.user.uid", "\(uid)", "image \(image) USER \(iu)")
      } else if iu.isEmpty {
        why.rule("process.user.uid", "0", "image \(image) has no USER: root")
      } else {
        uidKnown = false
        imageUserToResolve = iu
        why.rule("process.user.uid", "from image /etc/passwd", "image \(image) USER \(iu) (non-numeric)")
      }
      if parts.count == 2 { imageGid = UInt32(parts[1]) }
    } else if let assumed = assumedUser {
      uid = assumed
      why.rule("process.user.uid", "\(uid)", "image \(image) not in the local store: --assume-image-user \(uid)")
    } else {
      uidKnown = false
      if runAsNonRoot {
        why.rule("process.user.uid", "unknown", "image \(image) not in the local store: its USER is unknown")
      } else {
        why.rule("process.user.uid", "0", "image \(image) unknown to Garrison: assumed to run as root")
      }
    }

    if runAsNonRoot {
      if uidKnown && uid == 0 {
        let field = csc?.runAsUser != nil ? containerPath / "runAsUser" : (psc?.runAsUser != nil ? podPath / "runAsUser" : nonRootPath)
        let msg =
          (csc?.runAsUser ?? psc?.runAsUser) != nil
          ? "runAsUser 0 breaks the runAsNonRoot policy" : "container has runAsNonRoot and image will run as root"
        throw GarrisonError(.refused, msg, field: field)
      }
      if !uidKnown, let name = imageUserToResolve {
        throw GarrisonError(
          .refused, "container has runAsNonRoot and image has non-numeric user (\(name)), cannot verify user is non-root",
          field: nonRootPath)
      }
      if !uidKnown {
        let how = "set runAsUser, import the image (garrison image import) so its USER is known, or pass --assume-image-user UID"
        guard describeUnknownUser else {
          throw GarrisonError(
            .refused, "container has runAsNonRoot but image \(image) is not in the local store, so its uid is unknown: \(how)",
            field: nonRootPath)
        }
        // explain: what would decide it, instead of a refusal (compile and apply refuse).
        why.field("process.user.runAsNonRoot", "true (not verifiable: image \(image) not in the local store; \(how))", nonRootPath)
      } else {
        why.field("process.user.runAsNonRoot", "true", nonRootPath)
      }
    }

    var gid: UInt32 = 0
    var fromImage = false
    if let g = csc?.runAsGroup {
      gid = UInt32(g)
      why.field("process.user.gid", "\(gid)", containerPath / "runAsGroup")
    } else if let g = psc?.runAsGroup {
      gid = UInt32(g)
      why.field("process.user.gid", "\(gid)", podPath / "runAsGroup")
    } else if let g = imageGid {
      gid = g
      why.rule("process.user.gid", "\(gid)", "image \(image) USER group")
    } else {
      fromImage = true
      why.rule("process.user.gid", "0 unless the image's /etc/passwd gives the uid a primary group", "runtime default")
    }

    var groups = Set((psc?.supplementalGroups ?? []).map { UInt32($0) })
    if let fs = psc?.fsGroup { groups.insert(UInt32(fs)) }
    if !groups.isEmpty {
      why.field(
        "process.user.supplementalGroups", groups.sorted().map(String.init).joined(separator: ","),
        psc?.supplementalGroups.isEmpty == false ? podPath / "supplementalGroups" : podPath / "fsGroup")
    }
    let groupsPolicy =
      try psc?.supplementalGroupsPolicy.map { value in
        guard let policy = SupplementalGroupsPolicy(rawValue: value) else {
          throw GarrisonError(
            .invalid, "unsupported value \"\(value)\" (expected Merge or Strict)",
            field: podPath / "supplementalGroupsPolicy")
        }
        return policy
      } ?? .merge
    return UserPlan(
      uid: uid, gid: gid, supplementalGroups: groups.sorted(), supplementalGroupsPolicy: groupsPolicy,
      uidKnown: uidKnown, runAsNonRoot: runAsNonRoot, imageUser: imageUserToResolve, primaryGroupFromImage: fromImage)
  }
}
