import SurgeCore

/// The scenarios that ship with SurgeBench, as YAML a user can copy and edit (`surgebench scenarios show NAME`).
///
/// Figures come from ../shared/SURGE_FACTS.md; every file says its scale and time compression.
public enum BuiltInScenarios {
    /// Name and YAML text of every built-in scenario.
    public static let all: [(name: String, yaml: String)] = [
        ("outage-2021", outage2021), ("signal-2021", signal2021), ("steady", steady), ("smoke", smoke), ("ci", ci),
    ]

    /// The parsed scenario with this name; throws listing the known names otherwise.
    public static func scenario(named name: String) throws(BenchmarkError) -> Scenario {
        guard let entry = all.first(where: { $0.name == name }) else {
            throw BenchmarkError("unknown scenario '\(name)'; built-in scenarios: \(all.map(\.name).joined(separator: ", ")) "
                + "(or give a path to a .yaml file)")
        }
        return try Scenario.load(yaml: entry.yaml, source: "'\(name)' (built in)")
    }

    /// The population, sessions and messages outage-2021 and steady share, so the control differs only in its load.
    static let outagePopulation = """
        population:
          users: 2000              # existing users at scale 1
          directChatsPerUser: 2
          groups: 40
          groupSizeMin: 3
          groupSizeMax: 200
          groupSizeSkew: 1.5       # most groups are small, a few are large
          chatPopularitySkew: 1.1  # activity concentrates on popular chats
          messagesPerChat: 2       # history exists before the run
        newcomers:
          contactsImported: 40     # an address book's worth of numbers, uploaded at once
          registeredFraction: 0.5  # half of them are already on the service
          greetings: 3             # "say hi to your newly arrived friends"
          retryProbability: 0.1    # slow sign-ups get retried by impatient clients
          thinkTime: 1s
        messages:
          bodySizes:
            - {bytes: 32, weight: 50}
            - {bytes: 128, weight: 30}
            - {bytes: 512, weight: 15}
            - {bytes: 4096, weight: 5}
          resendProbability: 0.01  # client retries of sends: idempotent by client message id
          historyPageSize: 50
          inboxPageSize: 20
        warmup: 3s
        cooldown: 1s
        """

    static let outage2021 = """
        # Telegram, 4 October 2021: Facebook, Instagram and WhatsApp were down from 15:39 to about 21:05 UTC
        # (Cloudflare's timeline) and Telegram took in "over 70 million refugees from other platforms in one day",
        # a daily growth "an order of magnitude" above the norm (Pavel Durov, 5 Oct 2021). Existing users were asked
        # to "say hi to their newly arrived friends": every newcomer here is greeted by up to 3 contacts.
        #
        # Scale 1 = 1/100 of Telegram's sign-up rate:
        #   normal sign-ups 1.5 M/day = 17/s              -> 0.17/s, rounded up to 0.5 newcomer sessions/s so
        #                                                    that the baseline has newcomers at all
        #   70 M inside the outage window = 3,300-3,600/s -> 35 newcomer sessions/s at the peak (70x the baseline)
        # Existing users keep chatting at 300 sessions/s (sends, history pages, read marks, inbox opens; Discord saw
        # reads and writes about 50/50). Telegram's message rate is not public; this is a load one machine carries.
        # Time compression: the 5.5 h outage (19,800 s) becomes 25 s of onset, peak and decay (about 800x).
        # A newcomer session is about 12 operations (register, maybe a retry, contact import, greetings, inbox,
        # history, read mark, reply), so the peak offers roughly 300 + 35 x 12 = 720 operations/s at scale 1.
        name: outage-2021
        description: Telegram on 4 Oct 2021 - normal sign-ups, a 70x newcomer surge for the outage window, then decay
        seed: 20211004
        \(outagePopulation)
        phases:
          - name: before            # 15:00-15:39 UTC, a normal Monday
            duration: 10s
            rate: {shape: constant, from: 300}
            arrivals: poisson
            role: baseline
            mix: {newcomer: 0.5, send: 150, history: 60, markRead: 60, inbox: 30}
          - name: outage-onset      # 15:39: routes withdrawn, people start moving
            duration: 5s
            rate: {shape: linear, from: 300, to: 335}
            arrivals: poisson
            role: surge
            mix: {newcomer: 20, send: 150, history: 60, markRead: 60, inbox: 30}
          - name: outage-peak       # the evening of sign-ups
            duration: 12s
            rate: {shape: constant, from: 335}
            arrivals: poisson
            role: surge
            mix: {newcomer: 35, send: 150, history: 60, markRead: 60, inbox: 30}
          - name: dns-back          # 21:05: the others return, sign-ups decay
            duration: 8s
            rate: {shape: exponential, from: 335, to: 300, halfLife: 2s}
            arrivals: poisson
            role: surge
            mix: {newcomer: 8, send: 150, history: 60, markRead: 60, inbox: 30}
          - name: after             # the next morning: is the store back to normal, and how soon?
            duration: 12s
            rate: {shape: constant, from: 300}
            arrivals: poisson
            role: recovery
            mix: {newcomer: 0.5, send: 150, history: 60, markRead: 60, inbox: 30}
        """

    static let signal2021 = """
        # Signal, January 2021: 7.5 M installs from 6 to 10 Jan, 43x the week before (Sensor Tower), about 17/s;
        # 1.3 M sign-ups on 11 Jan (Apptopia), about 15/s; then an outage of over 24 h on 15 Jan.
        # Scale 1 = Signal's own sign-up rate: 0.4 newcomer sessions/s before (17/s / 43), ramping to 17/s.
        # Time compression: the multi-day ramp (about 5 days, 432,000 s) becomes 20 s (about 21,600x), then a
        # 10 s plateau at the top. Existing users chat at 200 sessions/s throughout.
        name: signal-2021
        description: Signal in January 2021 - a multi-day ramp of sign-ups to 43x, compressed, then a plateau
        seed: 20210106
        population:
          users: 4000
          directChatsPerUser: 2
          groups: 80
          groupSizeMin: 3
          groupSizeMax: 100
          groupSizeSkew: 1.5
          chatPopularitySkew: 1.1
          messagesPerChat: 2
        newcomers:
          contactsImported: 40
          registeredFraction: 0.4
          greetings: 2
          retryProbability: 0.05
          thinkTime: 1s
        messages:
          bodySizes:
            - {bytes: 32, weight: 50}
            - {bytes: 128, weight: 35}
            - {bytes: 1024, weight: 15}
          resendProbability: 0.01
          historyPageSize: 50
          inboxPageSize: 20
        warmup: 3s
        cooldown: 1s
        phases:
          - name: week-before
            duration: 8s
            rate: {shape: constant, from: 200.4}
            arrivals: poisson
            role: baseline
            mix: {newcomer: 0.4, send: 100, history: 40, markRead: 40, inbox: 20}
          - name: ramp-to-43x
            duration: 20s
            rate: {shape: linear, from: 200.4, to: 217}
            arrivals: poisson
            role: surge
            mix: {newcomer: 9, send: 100, history: 40, markRead: 40, inbox: 20}
          - name: plateau
            duration: 10s
            rate: {shape: constant, from: 217}
            arrivals: poisson
            role: surge
            mix: {newcomer: 17, send: 100, history: 40, markRead: 40, inbox: 20}
          - name: after
            duration: 6s
            rate: {shape: constant, from: 200.4}
            arrivals: poisson
            role: recovery
            mix: {newcomer: 0.4, send: 100, history: 40, markRead: 40, inbox: 20}
        """

    static let steady = """
        # The control: outage-2021's population and its normal-day load, with no surge at all.
        # Scale 1 = the same 1/100 of Telegram's sign-up rate as outage-2021.
        name: steady
        description: the baseline load of outage-2021 without a surge, as a control
        seed: 20211003
        \(outagePopulation)
        phases:
          - name: steady
            duration: 30s
            rate: {shape: constant, from: 300}
            arrivals: poisson
            role: baseline
            mix: {newcomer: 0.5, send: 150, history: 60, markRead: 60, inbox: 30}
        """

    /// The population, sessions and messages smoke and ci share: 200 users, a few groups, small and 64 KiB bodies.
    static func smallCommunity(groups: Int, groupSizeMax: Int) -> String {
        """
        population:
          users: 200
          directChatsPerUser: 2
          groups: \(groups)
          groupSizeMin: 3
          groupSizeMax: \(groupSizeMax)
          groupSizeSkew: 1.0
          chatPopularitySkew: 1.0
          messagesPerChat: 2
        newcomers:
          contactsImported: 10
          registeredFraction: 0.5
          greetings: 2
          retryProbability: 0.3
          thinkTime: 100ms
        messages:
          bodySizes:
            - {bytes: 0, weight: 1}
            - {bytes: 64, weight: 5}
            - {bytes: 65536, weight: 1}
          resendProbability: 0.1
          historyPageSize: 20
          inboxPageSize: 10
        """
    }

    static let smoke = """
        # A few seconds touching every operation type, for CI. Not a model of any real day.
        name: smoke
        description: a few seconds of every operation type, for CI
        seed: 42
        \(smallCommunity(groups: 5, groupSizeMax: 20))
        warmup: 500ms
        cooldown: 200ms
        phases:
          - name: baseline
            duration: 1s
            rate: {shape: constant, from: 100}
            arrivals: uniform
            role: baseline
            mix: {newcomer: 5, send: 50, history: 20, markRead: 15, inbox: 10}
          - name: surge
            duration: 1s
            rate: {shape: linear, from: 100, to: 300}
            arrivals: poisson
            role: surge
            mix: {newcomer: 30, send: 50, history: 20, markRead: 15, inbox: 10}
          - name: recovery
            duration: 1s
            rate: {shape: exponential, from: 300, to: 100, halfLife: 200ms}
            arrivals: poisson
            role: recovery
            mix: {newcomer: 5, send: 50, history: 20, markRead: 15, inbox: 10}
        """

    static let ci = """
        # The CI gate's workload (.ci/compare): every operation type at a steady, moderate rate, below every store's
        # knee on a 2-core machine with a sync per commit so that the tail measures the store, not a queue. Short, so
        # that 12 interleaved runs a side of the four embedded stores fit in about 6 minutes: the machine's noise comes
        # a run at a time (a disturbed run slows every store in it), and only many runs let the rank test see past one
        # or two disturbed ones. Each run's p99 rests on about 16 operations above it. Not a model of any real day.
        name: ci
        description: the CI gate's workload, a steady moderate load of every operation type
        seed: 42
        \(smallCommunity(groups: 8, groupSizeMax: 50))
        warmup: 300ms
        cooldown: 100ms
        phases:
          - name: baseline
            duration: 500ms
            rate: {shape: constant, from: 300}
            arrivals: poisson
            role: baseline
            mix: {newcomer: 5, send: 50, history: 20, markRead: 15, inbox: 10}
          - name: surge
            duration: 1500ms
            rate: {shape: constant, from: 450}
            arrivals: poisson
            role: surge
            mix: {newcomer: 10, send: 50, history: 20, markRead: 15, inbox: 10}
          - name: recovery
            duration: 500ms
            rate: {shape: constant, from: 300}
            arrivals: poisson
            role: recovery
            mix: {newcomer: 5, send: 50, history: 20, markRead: 15, inbox: 10}
        """
}
