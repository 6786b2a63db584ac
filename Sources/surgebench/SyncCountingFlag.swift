import ArgumentParser
import CrashTesting
import Foundation
import SurgeCore

/// `--count-syncs` / `--no-count-syncs`, for the commands that measure: whether the stores' syncs are counted.
///
/// Counting needs SurgeBench's library (libSurgePowerCut.so, beside the executable) loaded into SurgeBench itself, for
/// the in-process stores, and into the servers it starts, which inherit it. A process cannot load it into itself once
/// running, so ``startCounting()`` starts the command again, the same process (`exec`), with the library in
/// LD_PRELOAD; the servers then count into files of their own (see ``SyncCounting``).
struct SyncCountingFlag: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Count the stores' fsync/fdatasync calls and synchronous writes (syncs per acknowledged write), through "
            + "libSurgePowerCut.so loaded into SurgeBench and the servers it starts."))
    var countSyncs = true

    /// With counting asked for and not yet on: replaces this process by itself with the library preloaded. Returns
    /// (counting off) when the library is missing or was tried once already.
    func startCounting() {
        guard countSyncs, !SyncCounting.isActive, ProcessInfo.processInfo.environment[SyncCounting.attemptedVariable] == nil,
              let library = PowerCutJournal.library() else { return }
        setenv(SyncCounting.attemptedVariable, "1", 1)
        let preloaded = ProcessInfo.processInfo.environment["LD_PRELOAD"] ?? ""
        setenv("LD_PRELOAD", preloaded.isEmpty ? library : "\(library):\(preloaded)", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed: the command goes on, uncounted, and its results say so (no syncs recorded).
    }
}
