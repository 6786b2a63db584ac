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

    @Test("every declared mode was crashed by every kind under the promise it declares; every class's covered crashes are judged")
    func matrixAgreesWithTheDeclaredClasses() throws {
        let cells = try Self.cells()
        var crashedClasses = Set<DurabilityClass>()
        for backend in BackendCatalog.crashableStores {
            for mode in backend.durability?.modes ?? [] {
                for kind in CrashKind.allCases {
                    let cell = cells.first { $0.backend == backend.name && $0.mode == mode.name && $0.kind == kind }
                    let rerun = "make durability DURABILITY_CELLS=\(backend.name):\(mode.name):\(kind.rawValue):50"
                    guard let cell else {
                        Issue.record("the matrix has no cell for \(backend.name) \(mode.name) \(kind.rawValue): \(rerun)")
                        continue
                    }
                    #expect(cell.promise == mode.promise.guarantee(against: kind),
                            "\(backend.name) \(mode.name) \(kind.rawValue) was crashed under another promise than it declares now: \(rerun)")
                    crashedClasses.insert(mode.durabilityClass)
                    guard mode.durabilityClass.coveredCrashes.contains(kind) else { continue }
                    // The class covers this crash: every acknowledged write must survive it, or the matrix says the
                    // promise is broken.
                    #expect(cell.promise == .keepsEverything)
                    if cell.outcome.total.lost > 0 || cell.outcome.corruptCrashes > 0 {
                        #expect(cell.keepsPromise == false, "\(cell.backend) \(cell.mode) lost writes in a crash its class covers")
                    }
                }
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
