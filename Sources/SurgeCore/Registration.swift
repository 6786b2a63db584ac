/// What registering a phone number did.
public struct Registration: Hashable, Sendable {
    /// Whether the number was new or had registered before (a retry under surge, not an error).
    public enum Outcome: Hashable, Sendable {
        case created
        case alreadyRegistered
    }

    public var user: UserID
    public var outcome: Outcome

    public init(user: UserID, outcome: Outcome) {
        self.user = user
        self.outcome = outcome
    }
}

/// A registered user found by contact import.
public struct ContactMatch: Hashable, Sendable {
    public var phone: PhoneNumber
    public var user: UserID

    public init(phone: PhoneNumber, user: UserID) {
        self.phone = phone
        self.user = user
    }
}
