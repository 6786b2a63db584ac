/// The option values a user gave for one backend, checked against the backend's ``BackendOption`` list.
public struct BackendOptions: Sendable {
    /// Name and value as given (for example from `--option map-size=2GiB`).
    public private(set) var values: [String: String]

    /// The given values by option name.
    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// Throws `.invalidOption` naming the first option `backend` does not know.
    public func checkNames(against options: [BackendOption], backend: String) throws(StoreError) {
        let known = Set(options.map(\.name))
        for name in values.keys.sorted() where !known.contains(name) {
            let list = options.map(\.name).joined(separator: ", ")
            throw StoreError(.invalidOption, "backend '\(backend)' has no option '\(name)'; its options are: \(list)")
        }
    }

    /// The given value, or the option's default.
    public func string(_ option: BackendOption) -> String {
        values[option.name] ?? option.defaultValue
    }

    /// The value as one of the option's choices.
    public func choice<Value: RawRepresentable>(_ option: BackendOption, as type: Value.Type) throws(StoreError) -> Value
    where Value.RawValue == String {
        let text = string(option)
        guard let value = Value(rawValue: text) else { throw Self.notAChoice(option, text) }
        return value
    }

    /// The value as an integer within `range`.
    public func integer(_ option: BackendOption, in range: ClosedRange<Int>) throws(StoreError) -> Int {
        let text = string(option)
        guard let value = Int(text), range.contains(value) else {
            throw StoreError(.invalidOption,
                "option \(option.name)='\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The value as a size in bytes ("4096", "64KiB", "512MiB", "2GiB"), within `range`.
    public func byteSize(_ option: BackendOption, in range: ClosedRange<Int>) throws(StoreError) -> Int {
        let text = string(option)
        let units: [(suffix: String, factor: Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("B", 1), ("", 1)]
        for unit in units where text.hasSuffix(unit.suffix) {
            if let number = Int(text.dropLast(unit.suffix.count)),
                case let (bytes, overflow) = number.multipliedReportingOverflow(by: unit.factor), !overflow,
                range.contains(bytes)
            {
                return bytes
            }
            break
        }
        throw StoreError(.invalidOption,
            "option \(option.name)='\(text)' must be a size from \(range.lowerBound) to \(range.upperBound) bytes, "
                + "written like 65536, 64KiB, 512MiB or 2GiB")
    }

    /// The error for `text`, given for `option`, which is not one of its choices.
    static func notAChoice(_ option: BackendOption, _ text: String) -> StoreError {
        StoreError(.invalidOption, "option \(option.name)='\(text)' is not one of: \((option.choices ?? []).joined(separator: ", "))")
    }
}
