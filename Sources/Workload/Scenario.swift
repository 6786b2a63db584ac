import SurgeCore
/// A surge workload as a scenario file describes it: a population to start from and timed phases of arrivals.
///
/// Rates are sessions per second at scale 1; ``scaled(by:toDuration:)`` rescales population, rates and time.
public struct Scenario: Hashable, Sendable, Codable {
    public var name: String
    public var description: String
    /// The default seed; `--seed` overrides it.
    public var seed: UInt64
    public var population: Population
    public var newcomers: Newcomers
    public var messages: Messages
    /// Start of the schedule excluded from measurement (by intended time).
    public var warmup: TimeSpan
    /// End of the schedule excluded from measurement (by intended time).
    public var cooldown: TimeSpan
    public var phases: [Phase]
    /// Topology changes at times of the schedule, written as `--fault` takes them (`reshard@20s:1000-slots`,
    /// `kill-master@25s`); made only against a backend that can make them (absent: none).
    public var faults: [String]?
    /// How many independent communities the users, chats and sessions fall into (absent: see ``communityCount``).
    /// Nothing crosses a community, so shards of a trace (`--shard`) are whole communities.
    public var communities: Int?

    /// The users, chats and history a run starts from.
    public struct Population: Hashable, Sendable, Codable {
        public var users: Int
        /// Mean direct chats each user starts with.
        public var directChatsPerUser: Double
        public var groups: Int
        public var groupSizeMin: Int
        public var groupSizeMax: Int
        /// Zipf exponent of group sizes: higher means most groups are small.
        public var groupSizeSkew: Double
        /// Zipf exponent of chat popularity: higher means activity concentrates on few chats.
        public var chatPopularitySkew: Double
        /// Messages each chat holds before the run starts.
        public var messagesPerChat: Int
    }

    /// How a newcomer's session goes.
    public struct Newcomers: Hashable, Sendable, Codable {
        /// Phone numbers in one contact import.
        public var contactsImported: Int
        /// Share of imported numbers that belong to registered users.
        public var registeredFraction: Double
        /// At most this many matched friends open a chat and greet the newcomer.
        public var greetings: Int
        /// Chance that a registration is retried (the retry must find the user already registered).
        public var retryProbability: Double
        /// Mean pause between a session's steps (exponentially distributed).
        public var thinkTime: TimeSpan
    }

    /// Message sizes, resends and page sizes.
    public struct Messages: Hashable, Sendable, Codable {
        /// Body sizes in bytes with their weights.
        public var bodySizes: [WeightedSize]
        /// Chance that a send is resent with the same client message id (it must come back as a duplicate).
        public var resendProbability: Double
        public var historyPageSize: Int
        public var inboxPageSize: Int
    }

    public struct WeightedSize: Hashable, Sendable, Codable {
        public var bytes: Int
        public var weight: Double
    }

    /// A stretch of the schedule with one arrival-rate curve and one mix of sessions.
    public struct Phase: Hashable, Sendable, Codable {
        public var name: String
        public var duration: TimeSpan
        public var rate: RateCurve
        public var arrivals: ArrivalProcess
        /// What this phase is for in the surge figures.
        public var role: Role
        /// Relative weights of arriving sessions.
        public var mix: Mix

        public enum Role: String, Hashable, Sendable, Codable {
            /// Normal load: its p99 is the yardstick for the surge and the recovery.
            case baseline
            /// The surge: its peak is compared with the baseline.
            case surge
            /// After the surge: where recovery is measured.
            case recovery
        }
    }

    /// Weights of the kinds of arriving sessions.
    public struct Mix: Hashable, Sendable, Codable {
        /// A newcomer registers, imports contacts, is greeted, reads and replies.
        public var newcomer: Double
        /// An existing user sends to one of their chats.
        public var send: Double
        /// An existing user pages a chat's history.
        public var history: Double
        /// An existing user marks a chat read.
        public var markRead: Double
        /// An existing user opens their inbox.
        public var inbox: Double

        public var total: Double { newcomer + send + history + markRead + inbox }
    }

    public enum ArrivalProcess: String, Hashable, Sendable, Codable {
        /// Exponential gaps between arrivals: bursty, as independent users are.
        case poisson
        /// Evenly spaced arrivals.
        case uniform
    }

    /// The communities a trace of this scenario has: `communities`, or one per `max(groupSizeMax, 16)` users, at
    /// most 256.
    public var communityCount: Int {
        communities ?? min(256, max(1, population.users / max(population.groupSizeMax, 16)))
    }

    /// At most how many sessions arrive over the schedule: every phase at its peak rate throughout.
    public var sessionBound: Double {
        phases.reduce(0) { $0 + $1.rate.peak * $1.duration.seconds }
    }

    /// Total scheduled time.
    public var duration: TimeSpan {
        TimeSpan(nanoseconds: phases.reduce(0) { $0 + $1.duration.nanoseconds })
    }
}

/// How the arrival rate moves through a phase, in sessions per second.
public struct RateCurve: Hashable, Sendable, Codable {
    public enum Shape: String, Hashable, Sendable, Codable {
        /// `from` throughout.
        case constant
        /// From `from` to `to` in a straight line.
        case linear
        /// From `from` decaying towards `to`, halving the distance every `halfLife`.
        case exponential
        /// `from` until `at`, then `to`.
        case step
    }

    public var shape: Shape
    public var from: Double
    public var to: Double?
    public var halfLife: TimeSpan?
    public var at: TimeSpan?

    public init(shape: Shape, from: Double, to: Double? = nil, halfLife: TimeSpan? = nil, at: TimeSpan? = nil) {
        self.shape = shape
        self.from = from
        self.to = to
        self.halfLife = halfLife
        self.at = at
    }

    /// The rate at `elapsed` seconds into a phase lasting `length` seconds.
    public func rate(atSeconds elapsed: Double, ofSeconds length: Double) -> Double {
        let target = to ?? from
        switch shape {
        case .constant:
            return from
        case .linear:
            return length > 0 ? from + (target - from) * min(1, elapsed / length) : from
        case .exponential:
            let half = halfLife?.seconds ?? length / 4
            return target + (from - target) * pow(0.5, elapsed / max(half, 1e-9))
        case .step:
            return elapsed < (at?.seconds ?? length / 2) ? from : target
        }
    }

    /// The largest rate anywhere in the phase (every shape moves monotonically from `from` to `to`).
    public var peak: Double { max(from, to ?? from) }
}

import Foundation
