import ArgumentParser
import StoreCatalog

extension SurgeBench {
    /// `surgebench backends`: every backend with its options.
    struct Backends: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the storage backends and their options.")

        func run() {
            for backend in BackendCatalog.all {
                print("\(backend.name): \(backend.summary)")
                for option in backend.options {
                    let shown = option.defaultValue.isEmpty ? "" : " (default \(option.defaultValue))"
                    print("  --option \(option.name)=...\(shown)\n      \(option.summary)")
                }
            }
        }
    }
}
