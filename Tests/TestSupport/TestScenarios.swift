import Foundation
import Harness
import Orchestration
import Workload

/// Writes the trace of `scenario` with `seed` to `path` and returns the operations as generated.
@discardableResult
public func writeTrace(_ scenario: Scenario, seed: UInt64, to path: String) throws -> [TraceOperation] {
    var operations: [TraceOperation] = []
    let writer = try TraceWriter(path: path, header: TraceHeader(seed: seed, scale: 1, scenarioYAML: scenario.yaml()))
    try TraceGenerator(scenario: scenario, seed: seed).generate { operation in
        operations.append(operation)
        try writer.append(operation)
    }
    try writer.finish()
    return operations
}

/// A plan for `scenario`, through a real trace file, as every command makes one.
public func makePlan(_ scenario: Scenario, seed: UInt64 = 7) throws -> ReplayPlan {
    try TracePlanning.plan(scenario, seed: seed, scale: 1)
}

/// A small scenario whose figures a test sets: one constant baseline phase of existing-user reads.
public func readOnlyScenario(rate: Double, seconds: Int, arrivals: String = "uniform") throws -> Scenario {
    try Scenario.load(yaml: """
        name: known-answer
        description: reads at a constant rate
        seed: 1
        population: {users: 40, directChatsPerUser: 2, groups: 2, groupSizeMin: 3, groupSizeMax: 10, groupSizeSkew: 1,
                     chatPopularitySkew: 1, messagesPerChat: 1}
        newcomers: {contactsImported: 5, registeredFraction: 0.5, greetings: 1, retryProbability: 0, thinkTime: 100ms}
        messages: {bodySizes: [{bytes: 16, weight: 1}], resendProbability: 0, historyPageSize: 10, inboxPageSize: 10}
        warmup: 1s
        cooldown: 200ms
        phases:
          - {name: steady, duration: \(seconds)s, rate: {shape: constant, from: \(rate)}, arrivals: \(arrivals), role: baseline,
             mix: {newcomer: 0, send: 0, history: 1, markRead: 0, inbox: 1}}
        """, source: "test")
}
