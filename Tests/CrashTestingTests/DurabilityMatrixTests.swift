import CrashTesting
import Foundation
import Reporting
import StoreCatalog
import SurgeCore
import Testing

/// The published durability matrix (results/durability, `make durability`) against the modes the backends declare today:
/// a declaration that changes without the matrix being crashed again, or a broken promise the page does not headline,
/// fails here.
@Suite("The published durability matrix")
struct DurabilityMatrixTests {
    /// results/durability of this checkout.
    static let matrix = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("results/durability").path

    static func cells() throws -> [CrashDocument] {
        try FileManager.default.contentsOfDirectory(atPath: matrix).sorted().compactMap { name in
            let file = "\(matrix)/\(name)/crash.json"
            return FileManager.default.fileExists(atPath: file) ? try CrashDocument.read(path: file) : nil
        }
    }

    @Test("every cell of the matrix was crashed under the promise its mode declares; every class's covered crashes are judged")
    func matrixAgreesWithTheDeclaredClasses() throws {
        let cells = try Self.cells()
        var crashedClasses = Set<DurabilityClass>()
        for expected in DurabilityCell.cells(of: BackendCatalog.crashableStores) {
            let backend = try BackendCatalog.backend(named: expected.backend)
            let mode = try #require(backend.durability?.modes.first { $0.name == expected.mode })
            let kind = expected.kind
            // Files from before there were two models were all strict.
            let cell = cells.first {
                $0.backend == expected.backend && $0.mode == expected.mode && $0.kind == kind
                    && (kind != .power || ($0.powerModel ?? .strict) == expected.powerModel)
            }
            let rerun = "make durability DURABILITY_CELLS=\(expected)"
            guard let cell else {
                Issue.record("the matrix has no cell \(expected): \(rerun)")
                continue
            }
            #expect(cell.promise == mode.promise.guarantee(against: kind),
                    "\(expected) was crashed under another promise than its mode declares now: \(rerun)")
            crashedClasses.insert(mode.durabilityClass)
            guard mode.durabilityClass.coveredCrashes.contains(kind) else { continue }
            // The class covers this crash: every acknowledged write must survive it, or the matrix says the
            // promise is broken.
            #expect(cell.promise == .keepsEverything)
            if cell.outcome.total.lost > 0 || cell.outcome.corruptCrashes > 0 {
                #expect(cell.keepsPromise == false, "\(cell.backend) \(cell.mode) lost writes in a crash its class covers")
            }
        }
        let declared = Set(BackendCatalog.crashableStores.flatMap { $0.durability?.modes.map(\.durabilityClass) ?? [] })
        #expect(crashedClasses == declared)
    }

    @Test("the published page headlines every broken promise the cells record")
    func brokenPromisesAreHeadlined() throws {
        let page = try String(contentsOfFile: "\(Self.matrix)/README.md", encoding: .utf8)
        for line in CrashDocument.brokenPromises(try Self.cells()) {
            #expect(page.contains("**\(line)**"), "results/durability/README.md does not headline '\(line)': make durability-report")
        }
    }
}
