import Conformance
import Foundation
import StoreCatalog
import SurgeCore
import Testing

/// Durability classes: what each declared mode keeps, and how `--durability CLASS` picks a mode.
@Suite("Durability classes")
struct DurabilityClassTests {
    @Test("a promise's class is the strongest failure it keeps every acknowledged write through")
    func classFromPromise() {
        func of(_ kill: DurabilityPromise.Guarantee, _ power: DurabilityPromise.Guarantee, _ machine: DurabilityPromise.Guarantee = .nothing) -> DurabilityClass {
            DurabilityPromise(processKill: kill, powerLoss: power, machineLoss: machine).durabilityClass
        }
        #expect(of(.nothing, .nothing) == .none)
        #expect(of(.mayLoseRecent, .mayLoseRecent) == .none)
        #expect(of(.mayLoseRecent, .keepsEverything, .keepsEverything) == .none, "a replica does not help a store that loses writes on a kill")
        #expect(of(.keepsEverything, .nothing) == .process)
        #expect(of(.keepsEverything, .mayLoseRecent) == .process)
        #expect(of(.keepsEverything, .keepsEverything) == .power)
        #expect(of(.keepsEverything, .keepsEverything, .keepsEverything) == .replica)
        #expect(of(.keepsEverything, .mayLoseRecent, .keepsEverything) == .replica, "another machine covers the loss of this one's power")
        #expect(DurabilityClass.allCases.sorted() == [.none, .process, .power, .replica])
    }

    /// Every declared mode's class, as the engines' documentation puts them (the README's table of modes by class).
    static let expectedClasses: [String: [String: DurabilityClass]] = [
        "sqlite": ["off": .process, "normal": .process, "full": .power],
        "lmdb": ["nosync": .process, "nometasync": .process, "sync": .power],
        "rocksdb": ["disable-wal": .none, "nosync": .process, "sync": .power],
        "postgres": ["async": .none, "local": .power, "replicated": .replica],
        "redis-cluster": ["none": .none, "everysec": .process, "always": .power, "replicated": .replica],
    ]

    @Test("each backend declares its modes cheapest first, each in the class its documentation gives",
          arguments: BackendCatalog.all.map(\.name))
    func declaredClasses(backend: String) throws {
        let descriptor = try BackendCatalog.backend(named: backend)
        guard let durability = descriptor.durability else {
            #expect(descriptor.isReference && Self.expectedClasses[backend] == nil)
            return
        }
        let classes = durability.modes.map(\.durabilityClass)
        #expect(classes == classes.sorted(), "\(backend): modes must go from the cheapest class to the safest")
        #expect(Dictionary(uniqueKeysWithValues: durability.modes.map { ($0.name, $0.durabilityClass) }) == Self.expectedClasses[backend])
        for mode in durability.modes where mode.durabilityClass == .replica {
            #expect(mode.documentation.contains("not covered"), "\(backend) \(mode.name): say what the replica mode does not cover")
        }
    }

    @Test("--durability CLASS runs each backend's cheapest mode in the class, skips one with none, and an explicit mode wins")
    func choiceByClass() throws {
        func chosen(_ backend: String, _ durabilityClass: DurabilityClass, _ given: [String: String] = [:]) throws -> String?? {
            let descriptor = try BackendCatalog.backend(named: backend)
            guard let options = descriptor.options(BackendOptions(given), in: durabilityClass) else { return .none }
            return .some(try descriptor.durabilityMode(in: options)?.name)
        }
        #expect(try chosen("sqlite", .power) == "full")
        #expect(try chosen("sqlite", .process) == "off")
        #expect(try chosen("lmdb", .power) == "sync")
        #expect(try chosen("lmdb", .process) == "nosync")
        #expect(try chosen("rocksdb", .none) == "disable-wal")
        #expect(try chosen("rocksdb", .power) == "sync")
        #expect(try chosen("postgres", .power) == "local")
        #expect(try chosen("postgres", .replica) == "replicated")
        #expect(try chosen("redis-cluster", .power) == "always")
        #expect(try chosen("redis-cluster", .replica) == "replicated")
        // No mode in the class: skipped.
        #expect(try chosen("sqlite", .none) == .none)
        #expect(try chosen("lmdb", .replica) == .none)
        #expect(try chosen("postgres", .process) == .none)
        // An explicit mode wins, also one outside the class; other options are kept.
        #expect(try chosen("sqlite", .power, ["durability": "off"]) == "off")
        let kept = try BackendCatalog.backend(named: "lmdb").options(BackendOptions(["map-size": "1GiB"]), in: .power)
        #expect(kept?.values == ["map-size": "1GiB", "durability": "sync"])
        // The reference runs in every class, as it is.
        for durabilityClass in DurabilityClass.allCases {
            #expect(try BackendCatalog.backend(named: "memory").options(BackendOptions(), in: durabilityClass)?.values == [:])
        }
    }

    @Test("a promise recorded before machine loss was declared reads as promising nothing against it")
    func olderPromisesRead() throws {
        let json = #"{"processKill":"keeps every acknowledged write","powerLoss":"keeps every acknowledged write"}"#
        let promise = try JSONDecoder().decode(DurabilityPromise.self, from: Data(json.utf8))
        #expect(promise.machineLoss == .nothing && promise.durabilityClass == .power)
        let again = try JSONDecoder().decode(DurabilityPromise.self, from: JSONEncoder().encode(DurabilityPromise(
            processKill: .keepsEverything, powerLoss: .mayLoseRecent, machineLoss: .keepsEverything)))
        #expect(again.durabilityClass == .replica)
    }
}

@Suite("Durability classes in the README")
struct DurabilityClassReadmeTests {
    @Test("the README's table of modes by class is the catalog's")
    func readmeTableMatchesTheCatalog() throws {
        let readme = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md").path, encoding: .utf8)
        #expect(readme.contains("| backend | " + DurabilityClass.allCases.map(\.rawValue).joined(separator: " | ") + " |"))
        for backend in BackendCatalog.all where !backend.isInstrument {
            guard let durability = backend.durability else { continue }
            let row = "| \(backend.name) | " + DurabilityClass.allCases.map { durability.cheapest(in: $0)?.name ?? "-" }.joined(separator: " | ") + " |"
            #expect(readme.contains(row), "README.md lacks the row \(row)")
        }
    }
}
