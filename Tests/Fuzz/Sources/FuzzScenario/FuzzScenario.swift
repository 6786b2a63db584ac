import FuzzSupport
import Orchestration
import SurgeCore
import Workload

/// The scenario loader: any bytes as a scenario file. A scenario it accepts is rescaled, and when small enough
/// generated; the trace it makes must then pass its own reader (`generate` never writes a trace `run` refuses).
let fuzzScenario: FuzzDriver.Input = { data, size in
    guard let data else { return 0 }
    let yaml = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let scenario = try? Scenario.load(yaml: yaml, source: "fuzz input") else { return 0 }
    _ = try? scenario.scaled(by: 3.5, toDuration: TimeSpan(seconds: 7))
    _ = try? scenario.scaled(by: 0.01)
    // Generating is linear in operations and in seconds of schedule: only small scenarios, so that each input
    // takes milliseconds.
    guard scenario.operationBound <= 5_000, scenario.duration.seconds <= 600 else { return 0 }
    let path = FuzzScratch.path("scenario.trace")
    do throws(BenchmarkError) {
        _ = try TracePlanning.generate(scenario, seed: 7, scale: 1, threads: 1, to: path)
    } catch {
        return 0  // refused with a message (for example a full disk): allowed
    }
    do throws(BenchmarkError) {
        _ = try TracePlanning.plan(readingTrace: path)
    } catch {
        fatalError("the trace generated from an accepted scenario was refused by its own reader: \(error.message)")
    }
    return 0
}
