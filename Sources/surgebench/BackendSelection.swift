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

/// The one way every command picks backends: names from the catalog (a comma-separated `--backends` or one
/// `--backend`), each with the `--option` values meant for it, validated. Refuses an empty list, a name given twice
/// and an unknown name, saying what to give instead.
func selectBackends(_ names: String, options: [String]) throws(BenchmarkError) -> [(descriptor: BackendDescriptor, options: BackendOptions)] {
    let list = names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !list.isEmpty else { throw BenchmarkError("--backends lists no backend; see `surgebench backends`") }
    if let repeated = list.first(where: { name in list.filter { $0 == name }.count > 1 }) {
        throw BenchmarkError("--backends lists \(repeated) twice; to run a backend several times give --repeat")
    }
    var descriptors: [BackendDescriptor] = []
    for name in list { descriptors.append(try BackendCatalog.backend(named: name)) }
    let assigned = try OptionAssignment.assign(options, to: descriptors)
    return descriptors.map { ($0, assigned[$0.name] ?? BackendOptions()) }
}

/// ``selectBackends(_:options:)`` for a command that takes one backend.
func selectBackend(_ name: String, options: [String]) throws(BenchmarkError) -> (descriptor: BackendDescriptor, options: BackendOptions) {
    try selectBackends(name, options: options)[0]
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
