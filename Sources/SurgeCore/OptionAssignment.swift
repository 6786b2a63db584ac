/// The one grammar of `--option`: `name=value` for every selected backend that has the option, or
/// `backend.name=value` for one of them.
public enum OptionAssignment {
    /// The options each of `backends` gets from `pairs`, each validated; throws `.invalidInput` for a pair without
    /// `=`, an option no selected backend has, or a value a backend refuses.
    public static func assign(_ pairs: [String], to backends: [BackendDescriptor]) throws(BenchmarkError) -> [String: BackendOptions] {
        var values: [String: [String: String]] = [:]
        for backend in backends { values[backend.name] = [:] }
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw BenchmarkError("--option '\(pair)' must be name=value or backend.name=value, e.g. --option sqlite.durability=full")
            }
            let key = String(pair[..<equals])
            let value = String(pair[pair.index(after: equals)...])
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            let named = parts.count == 2 ? backends.first { $0.name == parts[0] } : nil
            let targets = named.map { [$0] } ?? backends
            let option = named == nil ? key : parts[1]
            var applied = false
            for target in targets where targets.count == 1 || target.options.contains(where: { $0.name == option }) {
                values[target.name]![option] = value
                applied = true
            }
            guard applied else {
                throw BenchmarkError("--option \(key): none of \(backends.map(\.name).joined(separator: ", ")) has an option "
                    + "'\(option)' (see `surgebench backends`)")
            }
        }
        var result: [String: BackendOptions] = [:]
        for backend in backends {
            let options = BackendOptions(values[backend.name] ?? [:])
            do throws(StoreError) {
                try backend.validate(options)
            } catch {
                throw BenchmarkError("\(backend.name): \(error.message)", kind: .invalidInput)
            }
            result[backend.name] = options
        }
        return result
    }

    /// The value `pairs` give `option` for `backend` (the last `option=value` or `backend.option=value`), before any
    /// descriptor is known: how `external` finds the driver it is.
    public static func value(of option: String, for backend: String, in pairs: [String]) -> String? {
        pairs.last { $0.hasPrefix(option + "=") || $0.hasPrefix("\(backend).\(option)=") }.map { String($0[$0.index(after: $0.firstIndex(of: "=")!)...]) }
    }
}
