/// What registering a phone number did.
public struct Registration: Hashable, Sendable {
    /// Whether the number was new or had registered before (a retry under surge, not an error).
    public enum Outcome: Hashable, Sendable {
        case created
        case alreadyRegistered
    }

    /// The user the number belongs to now.
    public var user: UserID
    /// Whether the call created the user.
    public var outcome: Outcome

    /// A registration of `user` with `outcome`.
    public init(user: UserID, outcome: Outcome) {
        self.user = user
        self.outcome = outcome
    }
}

/// A registered user found by contact import.
public struct ContactMatch: Hashable, Sendable {
    /// The number that matched.
    public var phone: PhoneNumber
    /// The registered user it belongs to.
    public var user: UserID

    /// A match of `phone` to `user`.
    public init(phone: PhoneNumber, user: UserID) {
        self.phone = phone
        self.user = user
    }
}
