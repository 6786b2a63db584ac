import CrashTesting
import Foundation
import Testing
import TestSupport

/// The reorder power-cut model on a known program: what it may take away, what it must keep, and that a seed
/// reproduces a cut.
@Suite("Power-cut models", .serialized)
struct PowerCutModelTests {
    /// What the known program leaves under argv[1] after a cut.
    struct Files: Equatable, CustomStringConvertible {
        var contents: [String: [UInt8]]

        init(_ directory: String) {
            contents = [:]
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                contents[name] = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(name)))) ?? Data())
            }
        }

        func text(_ name: String) -> String? { contents[name].map { String(decoding: $0, as: UTF8.self) } }

        /// Each file's name, size and a checksum.
        var description: String {
            contents.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.count) bytes, sum \($0.value.reduce(0) { ($0 &* 31) &+ Int($1) })" }
                .joined(separator: "; ")
        }
    }

    /// Runs the known program once under the library and applies its journal under `model` with `seed`.
    static func cut(model: PowerCutModel, seed: UInt64, program: String, scratch: ScratchDirectory, run: Int) throws -> (Files, PowerCutJournal.Outcome) {
        let watched = scratch.file("store-\(run)")
        let shadow = scratch.file("shadow-\(run)")
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: shadow, withIntermediateDirectories: true)
        let journal = scratch.file("journal-\(run)")
        let environment = PowerCutJournal.environment(library: BuiltProducts.path("libSurgePowerCut.so"), directory: watched, journal: journal, shadow: shadow)
        #expect(try CrashTests.runToEnd([program, watched], environment: environment) == 0)
        let outcome = try PowerCutJournal.apply(path: journal, directory: watched, model: model, seed: seed)
        return (Files(watched), outcome)
    }

    @Test("strict: synced bytes kept, unsynced writes undone, every directory operation kept")
    func strictModel() throws {
        let scratch = try ScratchDirectory()
        let program = scratch.file("known")
        try CrashTests.compile(Self.knownProgram, to: program)
        let (files, outcome) = try Self.cut(model: .strict, seed: 1, program: program, scratch: scratch, run: 0)
        #expect(files.contents["synced"] == Array(repeating: UInt8(ascii: "S"), count: 1024))
        #expect(files.contents["torn"] == Array(repeating: UInt8(ascii: "O"), count: 4096))
        #expect(files.text("after") == "moved" && files.contents["before"] == nil)
        #expect(files.contents["gone"] == nil && files.text("fresh") == "fresh")
        #expect(outcome.writesUndone == 2 && outcome.writesKept == 0 && outcome.directoryOperationsUndone.isEmpty, "\(outcome)")
    }

    @Test("reorder: a synced file keeps its bytes, a torn write leaves each 512-byte sector wholly old or new, unsynced directory operations can be undone (in order), a synced directory keeps its entries, a seed reproduces the cut")
    func reorderModel() throws {
        let scratch = try ScratchDirectory()
        let program = scratch.file("known")
        try CrashTests.compile(Self.knownProgram, to: program)
        var seen: Set<String> = []
        var byDirectoryCut: [Int: Files] = [:]
        for seed in UInt64(0)..<32 {
            let (files, outcome) = try Self.cut(model: .reorder, seed: seed, program: program, scratch: scratch, run: Int(seed))
            // Synced data: always there; the unsynced append may or may not be.
            let synced = try #require(files.contents["synced"])
            #expect(synced.prefix(1024) == ArraySlice(repeating: UInt8(ascii: "S"), count: 1024) && [1024, 1028].contains(synced.count))
            // The torn write: bytes before it old, every sector of it wholly old or wholly new, nothing past the old end but new.
            let torn = try #require(files.contents["torn"])
            #expect(torn.count == 4096 || torn.count == 4196, "size \(torn.count)")
            #expect(torn.prefix(100).allSatisfy { $0 == UInt8(ascii: "O") })
            var start = 100
            var sectorsNew = 0
            var sectorsOld = 0
            while start < torn.count {
                let end = min(torn.count, (start / 512 + 1) * 512)
                let sector = torn[start..<end]
                #expect(Set(sector).count == 1, "sector at \(start) is mixed: seed \(seed)")
                if sector.first == UInt8(ascii: "N") { sectorsNew += 1 } else { sectorsOld += 1 }
                if start >= 4096 { #expect(sector.first == UInt8(ascii: "N")) }
                start = end
            }
            if sectorsNew > 0, sectorsOld > 0 { seen.insert("torn") }
            // The directory: entries synced before the first unsynced operation are there; the rest form a prefix.
            #expect(files.text("synced") != nil && files.text("torn") != nil, "a synced directory keeps its entries")
            let renamed = files.text("after") == "moved"
            #expect(renamed != (files.text("before") == "moved"), "exactly one name holds the renamed file")
            let unlinked = files.contents["gone"] == nil
            #expect(unlinked || files.text("gone") == "gone")
            let created = files.text("fresh") == "fresh"
            #expect(created || files.contents["fresh"] == nil)
            let kept = [renamed, unlinked, created]
            #expect(kept == kept.sorted(by: { $0 && !$1 }), "directory operations survive as a prefix: \(kept)")
            let prefix = kept.count(where: { $0 })
            #expect(outcome.directoryOperationsUndone == Array(["create fresh", "unlink gone", "rename before to after"].prefix(3 - prefix)))
            if !renamed { seen.insert("rename undone") }
            if renamed, !unlinked { seen.insert("unlink undone") }
            if unlinked, !created { seen.insert("create undone") }
            if created { seen.insert("all kept") }
            if outcome.writesKept > 0 { seen.insert("write kept") }
            if outcome.writesUndone > 0 { seen.insert("write lost") }
            byDirectoryCut[Int(seed)] = files
        }
        #expect(seen == ["torn", "rename undone", "unlink undone", "create undone", "all kept", "write kept", "write lost"], "\(seen)")
        // The same seed on a fresh run of the same program leaves the same files.
        for seed in [UInt64(3), 17] {
            let (again, _) = try Self.cut(model: .reorder, seed: seed, program: program, scratch: scratch, run: 100 + Int(seed))
            #expect(again == byDirectoryCut[Int(seed)], "seed \(seed) reproduces its cut")
        }
    }

    /// Under argv[1]: "synced" (1024 bytes synced, then 4 appended unsynced), "torn" (4096 bytes synced, then 4096 new
    /// bytes written at offset 100 unsynced), "before" renamed to "after", "gone" removed and "fresh" created after the
    /// directory's last fsync.
    static let knownProgram = """
        #include <fcntl.h>
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        static const char *dir;
        static int at(const char *name, int flags) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            return open(path, flags, 0644);
        }
        static int filled(const char *name, char byte, int count) {
            char bytes[4096];
            memset(bytes, byte, sizeof bytes);
            int fd = at(name, O_CREAT | O_RDWR);
            return fd >= 0 && write(fd, bytes, count) == count && fsync(fd) == 0 ? fd : -1;
        }
        int main(int argc, char **argv) {
            dir = argv[1];
            char from[4096], to[4096], gone[4096], newer[4096];
            int synced = filled("synced", 'S', 1024), torn = filled("torn", 'O', 4096);
            int before = at("before", O_CREAT | O_WRONLY), doomed = at("gone", O_CREAT | O_WRONLY);
            if (synced < 0 || torn < 0 || write(before, "moved", 5) != 5 || fsync(before) != 0) return 1;
            if (write(doomed, "gone", 4) != 4 || fsync(doomed) != 0) return 1;
            int directory = open(dir, O_RDONLY | O_DIRECTORY);
            if (directory < 0 || fsync(directory) != 0) return 1;
            memset(newer, 'N', sizeof newer);
            if (pwrite(torn, newer, 4096, 100) != 4096) return 1;
            snprintf(from, sizeof from, "%s/before", dir);
            snprintf(to, sizeof to, "%s/after", dir);
            snprintf(gone, sizeof gone, "%s/gone", dir);
            if (rename(from, to) != 0 || unlink(gone) != 0) return 1;
            int fresh = at("fresh", O_CREAT | O_WRONLY);
            if (write(fresh, "fresh", 5) != 5 || fsync(fresh) != 0) return 1;
            if (lseek(synced, 0, SEEK_END) < 0 || write(synced, "tail", 4) != 4) return 1;
            return 0;
        }
        """
}
