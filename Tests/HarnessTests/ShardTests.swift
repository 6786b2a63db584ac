import Foundation
@testable import Harness
import MemoryStore
import Orchestration
import Reporting
import StoreCatalog
import SurgeCore
import Testing
import TestSupport
import Workload

@Suite("Communities, shards and merge", .serialized)
struct ShardTests {
    /// outage-2021 at a size with several communities, big groups and every kind of session.
    let scenario: Scenario

    init() throws {
        scenario = try BuiltInScenarios.scenario(named: "outage-2021").scaled(by: 1, toDuration: TimeSpan(seconds: 6))
    }

    private func operations(_ scenario: Scenario, shard: Shard = .whole, threads: Int = 2) throws -> [TraceOperation] {
        var operations: [TraceOperation] = []
        try TraceGenerator(scenario: scenario, seed: 11, shard: shard, threads: threads).generate { operations.append($0) }
        return operations
    }

    @Test("no user, chat, group member or registered contact crosses a community")
    func communitiesAreIndependent() throws {
        let count = UInt32(scenario.communityCount)
        #expect(count > 4, "the test needs several communities, got \(count)")
        let users = UInt32(scenario.population.users)
        func community(ofUser user: UInt32) -> UInt32 { user < users ? user % count : (user - users) % count }
        var seen = Set<UInt32>()
        for operation in try operations(scenario) {
            let c = operation.community
            seen.insert(c)
            #expect(community(ofUser: operation.user) == c, "\(operation)")
            if [.openDirectChat, .createGroup, .send, .history, .markRead].contains(operation.kind) {
                #expect(operation.chat % count == c, "\(operation)")
            }
            if operation.kind == .openDirectChat { #expect(community(ofUser: operation.otherUser) == c, "\(operation)") }
            if operation.kind == .createGroup {
                #expect(operation.list.allSatisfy { community(ofUser: UInt32($0)) == c }, "\(operation)")
            }
            if operation.kind == .importContacts {
                for number in operation.list where number < TracePhones.number(ofUser: users) {
                    #expect(community(ofUser: UInt32(number - TracePhones.firstRegistered)) == c, "contact \(number) of \(operation)")
                }
            }
        }
        #expect(seen.count == Int(count))
    }

    @Test("the shards of a trace are exactly its operations, community by community, whatever the threads")
    func shardUnionIsTheWholeTrace() throws {
        let whole = try operations(scenario, threads: 1)
        #expect(try operations(scenario, threads: 3) == whole, "the trace depends on the number of threads")
        var union: [TraceOperation] = []
        for index in 0..<3 as Range<UInt32> {
            let shard = try Shard(parsing: "\(index)/3", environment: [:])
            let part = try operations(scenario, shard: shard)
            #expect(part == whole.filter { shard.contains(community: $0.community) }, "shard \(shard) is not the whole trace's communities")
            union += part
        }
        #expect(union.count == whole.count)
        #expect(Set(union) == Set(whole))
    }

    @Test("--shard parses i/n and auto/n, refusing what is out of range")
    func shardParsing() throws {
        #expect(try Shard(parsing: "1/4", environment: [:]) == Shard(parsing: "auto/4", environment: ["JOB_COMPLETION_INDEX": "1"]))
        for bad in ["4/4", "-1/2", "1", "a/b", "0/0", "auto/2", "0/99999"] {
            #expect(throws: BenchmarkError.self, "\(bad)") { try Shard(parsing: bad, environment: [:]) }
        }
        #expect(throws: BenchmarkError.self) { try Shard(parsing: "auto/2", environment: ["JOB_COMPLETION_INDEX": "2"]) }
    }

    @Test("each worker's stream is exactly its lanes' operations of the trace, in order, setup stage by stage")
    func streamsPartitionTheTrace() throws {
        let directory = try ScratchDirectory()
        let all = try writeTrace(scenario, seed: 3, to: directory.file("t"))
        let shard = try Shard(parsing: "1/2", environment: [:])
        let plan = try ReplayPlan(readingTrace: directory.file("t"), shard: shard)
        #expect(plan.load.scheduledCount == all.filter { !$0.isSetup && shard.contains(community: $0.community) }.count)
        let workers = 3
        for worker in 0..<workers {
            let stream = try OperationStream(plan: plan, worker: worker, workers: workers)
            var streamed: [TraceOperation] = []
            for stage: UInt8 in 0...2 {
                while let operation = stream.nextSetup(stage: stage) { streamed.append(operation) }
            }
            while let operation = stream.nextScheduled() { streamed.append(operation) }
            #expect(stream.failure == nil)
            #expect(streamed == all.filter { Int($0.lane) % workers == worker && shard.contains(community: $0.community) })
        }
    }

    @Test("shards replayed apart and merged have the whole run's operations; the merge adds histograms exactly")
    func mergeIsExact() throws {
        let directory = try ScratchDirectory()
        let memory = try BackendCatalog.backend(named: "memory")
        func run(_ shard: Shard, _ name: String) throws -> ResultsDocument {
            let plan = try TracePlanning.plan(scenario, seed: 5, scale: 1, shard: shard)
            let session = BenchmarkSession(plan: plan, backends: [(memory, BackendOptions())], replayOptions: ReplayOptions(workers: 2, mode: .closed))
            return try RunResultsWriter.write(session.run(), into: ResultsFolderWriter(path: directory.file(name)), traceFile: nil).document
        }
        let whole = try run(.whole, "whole")
        let shards = try (0..<2 as Range<UInt32>).map { try run(Shard(parsing: "\($0)/2", environment: [:]), "s\($0)") }
        let merged = try ShardMerge.merge([directory.file("s1"), directory.file("s0")], into: directory.file("merged")).document
        let (a, b) = (whole.backends[0], merged.backends[0])
        #expect(merged.configuration.mergedShards == 2 && merged.complete)
        #expect(b.isCorrect && a.isCorrect, "\(b.integrity.problems)")
        #expect(b.completedOperations == a.completedOperations && b.scheduledOperations == a.scheduledOperations)
        #expect(merged.configuration.setupOperations == whole.configuration.setupOperations)
        #expect(b.integrity.messagesAcknowledged == a.integrity.messagesAcknowledged)
        #expect(b.integrity.registrationsChecked == a.integrity.registrationsChecked)
        #expect(b.integrity.unreadChecked == a.integrity.unreadChecked)
        for (phaseA, phaseB) in zip(a.phases, b.phases) {
            #expect(phaseA.offeredPerSecond == phaseB.offeredPerSecond)
            #expect(phaseA.operations.map(\.response.count) == phaseB.operations.map(\.response.count), "\(phaseA.name)")
        }
        // Exactly the shards' histograms added: rebuild them from the shards' records and compare bucket by bucket.
        let records = try [0, 1].map { try ReplayRecordFile.read(path: directory.file("s\($0)/memory-replay.json")) }
        let mergedRecord = try ReplayRecordFile.read(path: directory.file("merged/memory-replay.json"))
        let shardResults = try records.map { try ReplayResult(merging: [$0]) }
        let mergedResult = try ReplayResult(merging: [mergedRecord])
        for kind in OperationKind.allCases {
            var sum = shardResults[0].histogram(kind: kind)
            sum.add(shardResults[1].histogram(kind: kind))
            #expect(mergedResult.histogram(kind: kind) == sum, "\(kind)")
            #expect(LatencySummary(sum) == (b.operations.first { $0.kind == kind.description }?.response ?? LatencySummary(sum)))
        }
        #expect(mergedResult.series.map(\.achieved) == zip(shardResults[0].series, shardResults[1].series).map { $0.achieved + $1.achieved })
        #expect(shards.allSatisfy { $0.configuration.shard != nil })
    }

    @Test("a merged results.json carries every shard's own machine, not the merging one's, and says when they differ")
    func mergeKeepsTheShardsMachines() throws {
        let directory = try ScratchDirectory()
        let memory = try BackendCatalog.backend(named: "memory")
        for index in 0..<2 as Range<UInt32> {
            let plan = try TracePlanning.plan(scenario, seed: 5, scale: 1, shard: try Shard(parsing: "\(index)/2", environment: [:]))
            let session = BenchmarkSession(plan: plan, backends: [(memory, BackendOptions())], replayOptions: ReplayOptions(workers: 2, mode: .closed))
            _ = try RunResultsWriter.write(session.run(), into: ResultsFolderWriter(path: directory.file("s\(index)")), traceFile: nil)
        }
        // Shard 1 "measured" on another machine: its results say so, and the merge must keep what they say.
        var other = try ResultsDocument.read(path: directory.file("s1/results.json"))
        other.environment.cpuModel = "Another CPU"
        other.environment.cores = 64
        try other.json().write(toFile: directory.file("s1/results.json"), atomically: true, encoding: .utf8)
        let first = try ResultsDocument.read(path: directory.file("s0/results.json"))
        let (merged, table) = try ShardMerge.merge([directory.file("s0"), directory.file("s1")], into: directory.file("merged"))
        #expect(merged.shardEnvironments == [first.environment, other.environment])
        #expect(merged.environment == first.environment)
        #expect(table.contains("DIFFERENT machines") && table.contains("64 cores, Another CPU"), "\(table.prefix(600))")
        let reread = try ResultsDocument.read(path: directory.file("merged/results.json"))
        #expect(reread.shardEnvironments?.count == 2)
    }

    @Test("a replay record holds the run's histograms exactly, each operation once however many workers shared them; version 1 records still read")
    func replayRecordIsExact() throws {
        let directory = try ScratchDirectory()
        let plan = try TracePlanning.plan(scenario, seed: 5, scale: 1, shard: .whole)
        let result = try Replayer.run(MemoryMessageStore(), plan: plan, options: ReplayOptions(workers: 3, mode: .closed))
        try ReplayRecordFile.encode(result.record(shard: .whole)).write(toFile: directory.file("memory-replay.json"), atomically: true, encoding: .utf8)
        let record = try ReplayRecordFile.read(path: directory.file("memory-replay.json"))
        let read = try ReplayResult(merging: [record])
        for kind in OperationKind.allCases {
            #expect(read.histogram(kind: kind) == result.histogram(kind: kind), "\(kind)")
            #expect(read.histogram(service: true, kind: kind) == result.histogram(service: true, kind: kind), "\(kind)")
        }
        #expect(read.histogram().totalCount > 0 && read.completed == result.completed)
        // Every completed operation is in its second's response times once (the workers share them).
        let perSecond = record.schedule.secondResponse.map { $0.buckets.reduce(UInt64(0)) { $0 + $1.count } }
        #expect(perSecond.reduce(0, +) == result.completed)
        #expect(read.series.map(\.p99Ms) == result.series.map(\.p99Ms))
        // The process's peak resident memory is measured (Linux) and kept.
        #expect((result.peakResidentBytes ?? 0) > 1 << 20 && read.peakResidentBytes == result.peakResidentBytes)

        // Buckets are kept as varint steps: they round-trip, empty ones too, and a record whose buckets do not ascend is refused.
        typealias Sparse = RecorderSnapshot.SparseHistogram
        let sparse = Sparse(read.histogram())
        #expect(try sparse.histogram() == read.histogram() && Sparse(WorkerRecorder.makeHistogram()).isEmpty)
        let decode = { (json: String) throws in try JSONDecoder().decode(Sparse.self, from: Data(json.utf8)) }
        #expect(Array(try decode(#"{"digits":2,"buckets":"1000:3 1100:1 18446744073709551615:2"}"#).buckets.map(\.count)) == [3, 1, 2])
        #expect(throws: DecodingError.self) { try decode(#"{"digits":2,"buckets":"5000:1 3000:1"}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"digits":2,"values":[1000,2000],"counts":[1]}"#) }

        let published = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("results/signal-2021/memory-r1-replay.json").path
        let old = try ReplayRecordFile.read(path: published)
        #expect(try ReplayResult(merging: [old]).histogram().totalCount > 0)
    }

    @Test("merge refuses a missing, duplicated, foreign or incomplete shard, naming it")
    func mergeRefusals() throws {
        let directory = try ScratchDirectory()
        let memory = try BackendCatalog.backend(named: "memory")
        let small = try BuiltInScenarios.scenario(named: "smoke")
        func run(_ scenario: Scenario, seed: UInt64 = 5, _ shard: String, _ name: String) throws {
            let plan = try TracePlanning.plan(scenario, seed: seed, scale: 1, shard: Shard(parsing: shard, environment: [:]))
            let session = BenchmarkSession(plan: plan, backends: [(memory, BackendOptions())], replayOptions: ReplayOptions(workers: 1, mode: .closed))
            _ = try RunResultsWriter.write(session.run(), into: ResultsFolderWriter(path: directory.file(name)), traceFile: nil)
        }
        try run(small, "0/2", "a0")
        try run(small, "1/2", "a1")
        try run(small, seed: 6, "1/2", "seed6")
        try run(small, "1/3", "of3")
        try run(small, "0/1", "whole")
        func refused(_ folders: [String], _ expected: String) {
            do {
                _ = try ShardMerge.merge(folders.map(directory.file), into: directory.file("out-\(UUID().uuidString)"))
                Issue.record("merged \(folders), expected a refusal saying '\(expected)'")
            } catch {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
        refused(["a0"], "shard 1/2 missing")
        refused(["a0", "a0"], "both shard 0/2")
        refused(["a0", "seed6"], "seeds 5 and 6")
        refused(["a0", "of3"], "shard counts")
        refused(["whole"], "run without --shard")
        refused(["a0", "missing"], "no such file")
        // A shard whose results say it is incomplete.
        let path = directory.file("a1/results.json")
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"complete\" : true", with: "\"complete\" : false")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        refused(["a0", "a1"], "incomplete")
        #expect(!FileManager.default.fileExists(atPath: directory.file("out")))
    }
}
