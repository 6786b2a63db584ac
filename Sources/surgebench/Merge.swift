import ArgumentParser
import Reporting

extension SurgeBench {
    /// `surgebench merge SHARD_DIR... --out DIR`: the shards of one run as one results folder.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add up the results folders of every shard of a run (`run --shard i/n`) into one, exactly.",
            discussion: """
                Histograms are added bucket by bucket from each shard's replay records (never percentiles averaged), counters \
                summed, time series added by scheduled second, integrity findings combined. Refuses a missing or duplicated \
                shard, an incomplete one, and shards of different scenarios, seeds, scales, shard counts or modes. \
                `report` and `compare` read the merged folder like any other.
                Example:
                  surgebench run --scenario outage-2021 --shard 0/2 --out shard0 & \
                surgebench run --scenario outage-2021 --shard 1/2 --out shard1; wait
                  surgebench merge shard0 shard1 --out merged
                """)

        @Argument(help: "The results folders of every shard.")
        var shards: [String]

        @Option(name: .shortAndLong, help: "The merged results folder to write (must not exist).")
        var out: String

        func run() throws {
            let (document, table) = try ShardMerge.merge(shards, into: out)
            print(table)
            print("Merged \(shards.count) shards into \(out)/ (results.json, summary.md, timeseries.csv, *.hgrm)")
            if document.backends.contains(where: { !$0.isCorrect }) { throw ExitCode.failure }
        }
    }
}
