import Foundation
import StoreSupport
import SurgeCore
import Testing
import TestSupport

/// What the server meter reads of a process tree from outside it: CPU of a busy grandchild, and the syncs the
/// sync-counting library counts into the tree's shared file.
@Suite("The server meter")
struct ServerMeterTests {
    @Test("a busy child of the server's process counts in its CPU time")
    func countsDescendants() throws {
        let directory = try ScratchDirectory()
        let meter = ServerMeter(directory: directory.path)
        // sh waits in `sleep`; its child `yes` burns a core: only the tree, not the root, spends the CPU.
        let root = ChildProcess.spawn(["/bin/sh", "-c", "yes > /dev/null & sleep 3; kill $!"], output: "/dev/null", newSession: false)
        defer {
            ProcessTree.killAll([root])  // sh and its children: a `yes` left behind would burn a core
            ChildProcess.wait(for: root)
        }
        usleep(300_000)
        let first = meter.sample(roots: [root])
        usleep(1_000_000)
        let second = meter.sample(roots: [root])
        #expect(second.processCount >= 3, "sh, yes and sleep")
        let spent = (second.processes! - first.processes!).cpuNanos
        #expect(spent > 500_000_000, "\(spent) ns of CPU in 1 s of a busy loop")
        #expect((second.residentBytes ?? 0) > 0)
        #expect(first.processes?.syncs == nil, "no counter file: syncs not counted")
    }

    @Test("processes started with the counter file count their syncs into it, by call")
    func countsSyncsAcrossProcesses() throws {
        let directory = try ScratchDirectory()
        let meter = ServerMeter(directory: directory.path)
        let environment = ["LD_PRELOAD": BuiltProducts.path("libSurgePowerCut.so"), SyncCounting.counterFileVariable: meter.counterFile]
        let target = directory.file("data")
        FileManager.default.createFile(atPath: target, contents: Data("x".utf8))
        // coreutils `sync FILE` fsyncs the file; plain `sync` syncs everything. Two processes, one file of counts.
        for arguments in [["/bin/sync", target], ["/bin/sync", target], ["/bin/sync"]] {
            let pid = ChildProcess.spawn(arguments, output: "/dev/null", newSession: false, environment: environment)
            #expect(ChildProcess.wait(for: pid) == 0)
        }
        let syncs = try #require(meter.sample(roots: []).processes?.syncs)
        #expect(syncs.fsync == 2 && syncs.syncAll == 1 && syncs.fdatasync == 0, "\(syncs)")
        #expect(syncs.durable == 3)
    }
}
