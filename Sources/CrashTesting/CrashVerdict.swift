import SurgeCore

/// Whether a crash campaign's measurement agrees with the promise its durability mode makes for its kind of crash:
/// the campaign's verdict, which tables and reports only render.
public enum CrashVerdict: Sendable, Hashable {
    /// The mode promises something and kept it.
    case agrees
    /// The mode promised something the crashes contradicted; each reason is a headline ("LOST 3 acknowledged writes").
    case broken(reasons: [String])
    /// The mode promises nothing for this kind of crash (or no promise is on record): what happened, without judgement.
    case noPromise(lost: Int, corrupt: Int)

    /// Judges `outcome` against `guarantee`, the promise for the kind of crash made (nil: none on record).
    public static func judge(_ guarantee: DurabilityPromise.Guarantee?, outcome: CrashCampaign.Outcome) -> CrashVerdict {
        let total = outcome.total
        let corrupt = outcome.corruptCrashes
        let kept: Bool
        switch guarantee {
        case .keepsEverything?: kept = total.lost == 0 && corrupt == 0
        case .mayLoseRecent?: kept = corrupt == 0
        case .nothing?, nil: return .noPromise(lost: total.lost, corrupt: corrupt)
        }
        if kept { return .agrees }
        var reasons: [String] = []
        if guarantee == .keepsEverything, total.lost > 0 { reasons.append("LOST \(total.lost) acknowledged writes") }
        let unopened = outcome.crashes.filter { $0.failure != nil }
        if let first = unopened.first {
            reasons.append(unopened.count == 1 ? "did NOT come back after crash \(first.index + 1)"
                : "did NOT come back after \(unopened.count) of \(outcome.crashes.count) crashes (first: crash \(first.index + 1))")
        }
        let inconsistent = outcome.crashes.count(where: { $0.check.inconsistencies > 0 })
        if inconsistent > 0 { reasons.append("CORRUPT after \(inconsistent) crashes") }
        return .broken(reasons: reasons)
    }

    /// True when kept, false when broken, nil when nothing was promised.
    public var keepsPromise: Bool? {
        switch self {
        case .agrees: true
        case .broken: false
        case .noPromise: nil
        }
    }

    /// The verdict in words: a broken promise is a headline.
    public var text: String {
        switch self {
        case .agrees: "agrees"
        case .broken(let reasons): "BROKEN PROMISE: " + reasons.joined(separator: ", ")
        case .noPromise(let lost, let corrupt):
            lost > 0 || corrupt > 0 ? "no promise; lost \(lost), corrupt \(corrupt)" : "no promise; nothing lost"
        }
    }
}
