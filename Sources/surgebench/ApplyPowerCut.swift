import ArgumentParser
import CrashTesting
import Foundation

extension SurgeBench {
    /// `surgebench apply-power-cut`: puts a directory back as a power cut would leave it, from the journal the power-cut
    /// library wrote (for reproducing a crash record's cut, and for measurements outside `surgebench crash`).
    struct ApplyPowerCut: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply-power-cut",
            abstract: "Put a directory back as a power cut would leave it, from a power-cut journal (for experiments; see docs/crash-testing.md).",
            discussion: """
                Run the processes that write under DIRECTORY with LD_PRELOAD=libSurgePowerCut.so, SURGEBENCH_POWERCUT_DIR=DIRECTORY, \
                SURGEBENCH_POWERCUT_JOURNAL=JOURNAL (and SURGEBENCH_POWERCUT_SHADOW=an empty folder on the same file system, so \
                that removals can be undone), kill them, then apply the journal once. A crash record's powerCutSeed, with the same \
                journal, reproduces its cut.
                """,
            shouldDisplay: false)

        @Option(help: "The journal the library wrote.")
        var journal: String

        @Option(help: "The directory the journal covers (SURGEBENCH_POWERCUT_DIR).")
        var directory: String

        @Option(help: "strict or reorder.")
        var model: PowerCutModel = .strict

        @Option(help: "Seeds the reorder model's choices.")
        var seed: UInt64 = 0

        func run() throws {
            let outcome = try PowerCutJournal.apply(path: journal, directory: directory, model: model, seed: seed)
            say("\(model.rawValue) cut of \(directory): \(outcome.filesReverted) files reverted, \(outcome.writesUndone) unsynced writes undone, "
                + "\(outcome.writesKept) kept, \(outcome.writesTorn) torn; directory operations undone: "
                + (outcome.directoryOperationsUndone.isEmpty ? "none" : outcome.directoryOperationsUndone.joined(separator: ", ")))
        }
    }
}
