/// Argument checks every backend applies the same way, so that all backends reject the same input with the same words.
public enum Validation {
    /// The longest display name accepted, in UTF-8 bytes.
    public static let maximumDisplayNameBytes = 256
    /// The most members a group may have.
    public static let maximumGroupMembers = 100_000

    /// What importContacts answers: the registered users among `phones`, in order, the owner's own number skipped.
    public static func contactMatches(
        of owner: UserID, among phones: [PhoneNumber], findUser: (PhoneNumber) throws(StoreError) -> UserID?
    ) throws(StoreError) -> [ContactMatch] {
        var matches: [ContactMatch] = []
        for phone in phones {
            guard let user = try findUser(phone), user != owner else { continue }
            matches.append(ContactMatch(phone: phone, user: user))
        }
        return matches
    }

    /// Throws `.invalidArgument` for a display name over ``maximumDisplayNameBytes`` bytes.
    public static func checkDisplayName(_ name: String) throws(StoreError) {
        guard name.utf8.count <= maximumDisplayNameBytes else {
            throw StoreError(.invalidArgument, "display name is \(name.utf8.count) bytes; the limit is \(maximumDisplayNameBytes)")
        }
    }

    /// Throws `.invalidArgument` for a page limit below 1.
    public static func checkLimit(_ limit: Int) throws(StoreError) {
        guard limit >= 1 else { throw StoreError(.invalidArgument, "page limit must be at least 1, got \(limit)") }
    }

    /// Throws `.invalidArgument` for a body over ``Message/maximumBodyBytes``.
    public static func checkBody(_ body: [UInt8]) throws(StoreError) {
        guard body.count <= Message.maximumBodyBytes else {
            throw StoreError(.invalidArgument, "message body is \(body.count) bytes; the limit is \(Message.maximumBodyBytes)")
        }
    }

    /// Throws `.invalidArgument` when a user asks for a direct chat with themselves.
    public static func checkDirectPair(_ first: UserID, _ second: UserID) throws(StoreError) {
        guard first != second else {
            throw StoreError(.invalidArgument, "a direct chat needs two different users, got \(first) twice")
        }
    }

    /// The group's members: the creator first, then `members` in order without repeats.
    public static func groupMembers(creator: UserID, members: [UserID]) throws(StoreError) -> [UserID] {
        var seen: Set<UserID> = [creator]
        var result = [creator]
        for member in members where seen.insert(member).inserted { result.append(member) }
        guard result.count <= maximumGroupMembers else {
            throw StoreError(.invalidArgument, "a group may have at most \(maximumGroupMembers) members, got \(result.count)")
        }
        return result
    }

    /// `phones` without repeats, in their first order.
    public static func distinctPhones(_ phones: [PhoneNumber]) -> [PhoneNumber] {
        var seen: Set<PhoneNumber> = []
        return phones.filter { seen.insert($0).inserted }
    }

    /// The error for a user the store does not have.
    public static func unknownUser(_ user: UserID) -> StoreError {
        StoreError(.unknownUser, "\(user) is not registered")
    }

    /// The error for a chat the store does not have.
    public static func unknownChat(_ chat: ChatID) -> StoreError {
        StoreError(.unknownChat, "\(chat) does not exist")
    }

    /// The error for a user who is not a member of the chat.
    public static func notAMember(_ user: UserID, of chat: ChatID) -> StoreError {
        StoreError(.notAMember, "\(user) is not a member of \(chat)")
    }
}
