import ArgumentParser
import StoreCatalog
import SurgeCore

/// `--option`, the same for every command that opens a backend.
struct BackendOptionFlags: ParsableArguments {
    @Option(name: .customLong("option"), help: ArgumentHelp(
        "A backend option, name=value for every selected backend that has it or backend.name=value for one (repeatable); "
            + "see `surgebench backends`.", valueName: "[backend.]name=value"))
    var assignments: [String] = []
}

/// `--durability CLASS`, the same for every command that measures or crashes a store.
struct DurabilityClassFlag: ParsableArguments {
    @Option(name: .customLong("durability"), help: ArgumentHelp(
        "The durability class every backend runs in, by what survives: none, process (a kill of the store's process), power "
            + "(a power loss) or replica (the loss of the machine that acknowledged). Each backend runs its cheapest mode in "
            + "the class and is skipped when it has none; --option durability=MODE still picks a mode (see `surgebench backends`).",
        valueName: "class"))
    var durabilityClass: DurabilityClass = .power
}

extension DurabilityClass: ExpressibleByArgument {}

/// The backends a command runs, each with its options, and a line for every backend left out because it has no mode in
/// the durability class.
struct BackendSelection {
    var chosen: [(descriptor: BackendDescriptor, options: BackendOptions)] = []
    var skipped: [String] = []

    /// Prints a line for each backend left out.
    func sayWhatWasSkipped() {
        for line in skipped { say(line) }
    }
}

/// The one way every command picks backends: names from the catalog (a comma-separated `--backends` or one
/// `--backend`), each with the `--option` values meant for it, validated, then run in `durabilityClass` (its cheapest
/// mode in it, unless an option names a mode). Refuses an empty list, a name given twice, an unknown name and a
/// selection that leaves no backend, saying what to give instead.
func selectBackends(_ names: String, options: [String], durability durabilityClass: DurabilityClass) throws(BenchmarkError) -> BackendSelection {
    let list = names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !list.isEmpty else { throw BenchmarkError("--backends lists no backend; see `surgebench backends`") }
    if let repeated = list.first(where: { name in list.filter { $0 == name }.count > 1 }) {
        throw BenchmarkError("--backends lists \(repeated) twice; to run a backend several times give --repeat")
    }
    var descriptors: [BackendDescriptor] = []
    var options = options
    for name in list {
        let descriptor = try BackendCatalog.backend(named: name, options: options)
        if descriptor.name != name {
            // `external` with driver=NAME is the registered driver NAME from here on: so are its `external.` options.
            options = options.map { $0.hasPrefix(name + ".") ? descriptor.name + $0.dropFirst(name.count) : $0 }
        }
        guard !descriptors.contains(where: { $0.name == descriptor.name }) else {
            throw BenchmarkError("--backends names \(descriptor.name) twice (external with driver= is the driver it names); to run a backend several times give --repeat")
        }
        descriptors.append(descriptor)
    }
    let assigned = try OptionAssignment.assign(options, to: descriptors)
    var selection = BackendSelection()
    for descriptor in descriptors {
        if let options = descriptor.options(assigned[descriptor.name] ?? BackendOptions(), in: durabilityClass) {
            selection.chosen.append((descriptor, options))
        } else {
            selection.skipped.append(skipLine(descriptor, durabilityClass))
        }
    }
    if selection.chosen.allSatisfy(\.descriptor.isReference) && !selection.skipped.isEmpty {
        throw BenchmarkError("no backend to compare in durability class \(durabilityClass.rawValue):\n  "
            + selection.skipped.joined(separator: "\n  "))
    }
    return selection
}

/// "lmdb skipped: no durability mode in class none ...": why a backend is left out and what to give instead.
func skipLine(_ descriptor: BackendDescriptor, _ durabilityClass: DurabilityClass) -> String {
    let modes = descriptor.durability?.modes ?? []
    let classes = Set(modes.map(\.durabilityClass)).sorted().map(\.rawValue)
    return "\(descriptor.name) skipped: it has no durability mode in class \(durabilityClass.rawValue) ("
        + modes.map { "\($0.name): \($0.durabilityClass.rawValue)" }.joined(separator: ", ")
        + "); give --durability \(classes.joined(separator: " or ")), or --option \(descriptor.name).\(descriptor.durability?.option.name ?? "durability")=MODE"
}

/// ``selectBackends(_:options:durability:)`` for a command that takes one backend; throws the skip line when the backend
/// has no mode in the class.
func selectBackend(_ name: String, options: [String], durability durabilityClass: DurabilityClass) throws(BenchmarkError)
    -> (descriptor: BackendDescriptor, options: BackendOptions)
{
    try selectBackends(name, options: options, durability: durabilityClass).chosen[0]
}

/// The ranges the command line accepts, in one place.
enum Limits {
    /// Worker threads, each with its own connection.
    static let workers = 1...1024
    /// The largest scale factor of a scenario.
    static let largestScale = 1_000.0

    /// Throws a message naming `flag` when `value` is outside `range`.
    static func check<Value: Comparable>(_ flag: String, _ value: Value, in range: ClosedRange<Value>) throws(BenchmarkError) {
        guard range.contains(value) else {
            throw BenchmarkError("--\(flag) must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
    }

    /// Throws unless `scale` is above 0 and at most ``largestScale``.
    static func checkScale(_ scale: Double) throws(BenchmarkError) {
        guard scale > 0, scale <= largestScale, scale.isFinite else {
            throw BenchmarkError("--scale must be above 0 and at most \(Int(largestScale)), got \(scale)")
        }
    }
}
