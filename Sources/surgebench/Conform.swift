import ArgumentParser
import Conformance
import StoreCatalog
import SurgeCore

extension SurgeBench {
    /// `surgebench conform`: the conformance suite the built-in backends pass, run against any backend or driver.
    struct Conform: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that a backend or a driver keeps every rule of the store protocol (the suite the built-in backends pass).",
            discussion: """
                Each check opens fresh stores (in temporary directories, removed after) and says what broke the rule. Run it on a \
                driver before measuring it. Exits with status 1 when a check fails.
                Example: surgebench conform --backend external --option command='python3 my_driver.py'
                """)

        @Option(help: "The backend or driver to check: a built-in backend, external (with command= or driver=), or a registered driver's name.")
        var backend: String

        @OptionGroup var backendOptions: BackendOptionFlags

        func run() throws {
            let given = backendOptions.assignments
            if let path = given.first(where: { $0.hasPrefix("path=") || $0.hasPrefix("\(backend).path=") }) {
                throw ValidationError("conform opens fresh stores in temporary directories of its own; leave out \(path)")
            }
            let descriptor = try BackendCatalog.backend(named: backend, options: given)
            let options = try OptionAssignment.assign(given, to: [descriptor])[descriptor.name] ?? BackendOptions()
            say("\(descriptor.name) (\(descriptor.engineVersion.isEmpty ? descriptor.summary : descriptor.engineVersion)), "
                + "\(Redaction.describe(options.values)): \(ConformanceSuite.checks.count) checks")
            var failed = 0
            for check in ConformanceSuite.checks {
                let failures = check.run { try descriptor.open(options) }
                if failures.isEmpty {
                    print("  pass  \(check.name)")
                } else {
                    failed += 1
                    print("  FAIL  \(check.name)")
                    for failure in failures.prefix(10) { print("          \(failure)") }
                    if failures.count > 10 { print("          ... and \(failures.count - 10) more") }
                }
            }
            print(failed == 0 ? "All \(ConformanceSuite.checks.count) checks passed."
                              : "\(failed) of \(ConformanceSuite.checks.count) checks FAILED.")
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
