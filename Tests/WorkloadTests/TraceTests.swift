import Foundation
import Harness
import Orchestration
import SurgeCore
import Testing
import TestSupport
import Workload

@Suite("Traces")
struct TraceTests {
    let scenario = try! BuiltInScenarios.scenario(named: "smoke")

    @Test("the same scenario and seed give byte-identical traces; another seed gives another trace")
    func determinism() throws {
        let directory = try ScratchDirectory()
        try writeTrace(scenario, seed: 42, to: directory.file("a"))
        try writeTrace(scenario, seed: 42, to: directory.file("b"))
        try writeTrace(scenario, seed: 43, to: directory.file("c"))
        let a = try Data(contentsOf: URL(fileURLWithPath: directory.file("a")))
        #expect(a == (try Data(contentsOf: URL(fileURLWithPath: directory.file("b")))))
        #expect(a != (try Data(contentsOf: URL(fileURLWithPath: directory.file("c")))))
        #expect(a.count > 1000)
    }

    @Test("a trace file is byte-identical whatever the number of threads generating and encoding it")
    func threadsDoNotChangeTheBytes() throws {
        let directory = try ScratchDirectory()
        // Seconds of 20,000 operations: several blocks encoded at once, then the rest one by one.
        let busy = try readOnlyScenario(rate: 20_000, seconds: 3)
        let traces = try [1, 2, 3].map { threads in
            let path = directory.file("t\(threads)")
            _ = try TracePlanning.generate(busy, seed: 9, scale: 1, threads: threads, to: path)
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        #expect(traces[1] == traces[0] && traces[2] == traces[0])
        #expect(traces[0].count > 100_000)
        // The file holds exactly the operations the generator emits.
        let reader = try TraceReader(path: directory.file("t2"))
        var read: [TraceOperation] = []
        while let operation = try reader.next() { read.append(operation) }
        var generated: [TraceOperation] = []
        try TraceGenerator(scenario: busy, seed: 9, threads: 1).generate { generated.append($0) }
        #expect(read == generated)
    }

    @Test("reading a trace gives back exactly the generated operations, in intended-time order")
    func roundTrip() throws {
        let directory = try ScratchDirectory()
        let written = try writeTrace(scenario, seed: 5, to: directory.file("t"))
        let reader = try TraceReader(path: directory.file("t"))
        var read: [TraceOperation] = []
        while let operation = try reader.next() { read.append(operation) }
        #expect(read == written)
        #expect(reader.traceDigest != nil)
        #expect(reader.header.seed == 5)
        #expect(try reader.header.scenario(source: "t") == scenario)
        let scheduled = read.filter { !$0.isSetup }
        #expect(zip(scheduled, scheduled.dropFirst()).allSatisfy { $0.intendedNanos <= $1.intendedNanos })
        // Every kind of operation is in the smoke trace.
        #expect(Set(read.map(\.kind)) == Set(OperationKind.allCases))
        #expect(read.contains { $0.isRetry && $0.kind == .register } && read.contains { $0.isRetry && $0.kind == .send })
    }

    @Test("a newcomer's steps share its lane and come in dependency order")
    func sessionsKeepTheirOrder() throws {
        let directory = try ScratchDirectory()
        let operations = try writeTrace(scenario, seed: 9, to: directory.file("t")).filter { !$0.isSetup }
        let population = UInt32(scenario.population.users)
        var registeredAt: [UInt32: Int] = [:]
        var laneOf: [UInt32: UInt32] = [:]
        var chatOpenedAt: [UInt32: Int] = [:]
        for (index, operation) in operations.enumerated() {
            switch operation.kind {
            case .register where !operation.isRetry:
                registeredAt[operation.user] = index
                laneOf[operation.user] = operation.lane
            case .importContacts, .inbox where operation.user >= population:
                #expect(registeredAt[operation.user].map { $0 < index } == true)
                #expect(laneOf[operation.user] == operation.lane)
            case .openDirectChat:
                #expect(registeredAt[operation.otherUser].map { $0 < index } == true)
                #expect(laneOf[operation.otherUser] == operation.lane)
                chatOpenedAt[operation.chat] = index
            case .send, .history, .markRead:
                if let opened = chatOpenedAt[operation.chat] { #expect(opened < index) }
            default:
                break
            }
        }
        #expect(!registeredAt.isEmpty && !chatOpenedAt.isEmpty)
    }

    @Test("a truncated trace is refused wherever it was cut, and the plan never forms")
    func truncation() throws {
        let directory = try ScratchDirectory()
        try writeTrace(scenario, seed: 1, to: directory.file("t"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: directory.file("t")))
        for cut in [10, 40, whole.count / 2, whole.count - 20, whole.count - 1] {
            let path = directory.file("cut-\(cut)")
            try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
            do {
                _ = try ReplayPlan(readingTrace: path)
                Issue.record("a trace cut at \(cut) of \(whole.count) bytes was accepted")
            } catch {
                #expect(error.message.contains("truncated") || error.message.contains("corrupt"), "\(error.message)")
            }
        }
    }

    @Test("a flipped byte, a foreign file and another format version are refused")
    func corruption() throws {
        let directory = try ScratchDirectory()
        try writeTrace(scenario, seed: 1, to: directory.file("t"))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory.file("t"))))
        func refused(_ data: [UInt8], _ expected: String) throws {
            let path = directory.file("bad")
            try Data(data).write(to: URL(fileURLWithPath: path))
            do {
                _ = try ReplayPlan(readingTrace: path)
                Issue.record("a bad trace was accepted (expected: \(expected))")
            } catch {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40
        try refused(flipped, "checksum")
        try refused(Array("name: not a trace\n".utf8) + [UInt8](repeating: 0, count: 64), "not a SurgeBench trace")
        bytes[8] = 99  // format version
        try refused(bytes, "format version 99")
        #expect(throws: BenchmarkError.self) { try TraceReader(path: directory.file("missing")) }
    }

    @Test("a trace with valid checksums but impossible contents is refused, naming the field, by the reader both commands share")
    func impossibleContents() throws {
        let directory = try ScratchDirectory()
        let good = try writeTrace(scenario, seed: 1, to: directory.file("good"))
        let firstScheduled = try #require(good.firstIndex { !$0.isSetup })
        let scheduled = try #require(good.firstIndex { !$0.isSetup && $0.kind == .send })
        var cases: [(String, Int, (inout TraceOperation) -> Void)] = [
            ("phase 9 is beyond", scheduled, { $0.phase = 9 }),
            ("after the schedule's end", good.count - 1, { $0.intendedNanos = 10_000_000_000_000 }),
            ("beyond the scenario's users", scheduled, { $0.user = 4_000_000_000 }),
            ("beyond the scenario's chats", scheduled, { $0.chat = 4_000_000_000 }),
            ("community 4000000 is beyond", scheduled, { $0.community = 4_000_000 }),
            ("a size the scenario does not have", scheduled, { $0.bodyBytes = 3_000_000 }),
            ("where none belongs", scheduled, { $0.list = [1, 2, 3] }),
        ]
        cases.append(("setup stage 0 out of order", firstScheduled, { $0.isSetup = true; $0.phase = 0; $0.intendedNanos = 0 }))
        for (expected, index, damage) in cases {
            var operations = good
            damage(&operations[index])
            let path = directory.file("bad")
            try? FileManager.default.removeItem(atPath: path)
            let writer = try TraceWriter(path: path, header: TraceHeader(seed: 1, scale: 1, scenarioYAML: scenario.yaml()))
            for operation in operations { try writer.append(operation) }
            try writer.finish()
            do {
                _ = try ReplayPlan(readingTrace: path)
                Issue.record("a trace whose operation has '\(expected)' was accepted")
            } catch {
                #expect(error.message.contains(expected) && error.message.contains("block"), "\(error.message)")
            }
        }
    }
}
