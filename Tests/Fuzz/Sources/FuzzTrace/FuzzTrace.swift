import FuzzSupport
import Harness
import MemoryStore
import Orchestration
import Workload

/// The trace reader, the replay plan's first pass and the replay itself (what `run` and `trace inspect` do with a
/// trace), on any bytes whose checksums have been made to match: a trace from a buggy or hostile tool must be refused
/// with a message, never trap or allocate without bound. An accepted trace is replayed closed loop into the memory
/// store, integrity check included.
let fuzzTrace: FuzzDriver.Input = { data, size in
    guard let data else { return 0 }
    let bytes = TraceRepair.repaired(UnsafeBufferPointer(start: data, count: size))
    let path = bytes.withUnsafeBufferPointer { FuzzScratch.write($0, to: "input.trace") }
    guard let plan = try? TracePlanning.plan(readingTrace: path) else { return 0 }
    _ = try? Replayer.run(MemoryMessageStore(), plan: plan, options: ReplayOptions(workers: 2, mode: .closed))
    return 0
}
