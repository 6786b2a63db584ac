import Harness
import Orchestration
import SurgeCore

/// `surgebench run`'s results folder, written from the run's outcome: `results.json`, `summary.md`, `timeseries.csv`,
/// and each backend's `.hgrm` files and replay record.
public enum RunResultsWriter {
    /// Writes `outcome` into `folder` (committed whole, or not at all); returns the document and its Markdown table.
    /// `traceFile` is the trace replayed when it came from a file.
    public static func write(_ outcome: RunOutcome, into folder: ResultsFolderWriter, traceFile: String?) throws(BenchmarkError)
        -> (document: ResultsDocument, table: String)
    {
        let plan = outcome.plan
        var files = ResultsFiles(folder: folder, repeated: outcome.repetitions > 1, shard: plan.shard, startAt: outcome.replayOptions.startAt)
        // One run's histograms rebuilt at a time, from its record.
        for run in outcome.runs { try files.add(run.outcome.outcome(), repetition: run.repetition) }
        var configuration = ResultsDocument.Configuration(
            scenario: plan.scenario.name, scenarioDigest: Figures.hex(plan.header.scenarioDigest), traceDigest: Figures.hex(plan.traceDigest),
            seed: plan.header.seed, scale: plan.header.scale, durationSeconds: plan.scenario.duration.seconds,
            workers: outcome.replayOptions.workers, mode: outcome.replayOptions.mode, scheduledOperations: plan.load.scheduledCount,
            setupOperations: plan.load.setupCount, traceFile: traceFile, scenarioYAML: plan.header.scenarioYAML)
        configuration.shard = plan.shard.isWhole ? nil : plan.shard.description
        configuration.startAt = outcome.replayOptions.startAt.map(Figures.instant)
        return try files.finish(configuration: configuration, environment: outcome.environment, createdAt: outcome.finishedAt,
                                complete: outcome.complete)
    }
}
