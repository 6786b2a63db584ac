import SurgeCore

/// Why an operation failed, as the results count it: the store's error kinds and the harness's own findings.
public enum ErrorCategory: String, CaseIterable, Sendable, Codable {
    case invalidArgument, unknownUser, unknownChat, notAMember, invalidOption, cannotOpen, notAStore, storeFull, busy, unavailable, notReplicated, engine
    /// The store answered, but not what the trace implies (a retry that did not come back as "already registered").
    case wrongResult
    /// Not run: an operation it depends on (in its session) failed.
    case dependencyFailed

    init(_ kind: StoreError.Kind) {
        self = ErrorCategory(rawValue: kind.rawValue)!  // every store kind has a category of the same name
    }

    var index: Int { Self.allCases.firstIndex(of: self)! }
}
