import Foundation
import SurgeCore

/// What a driver says about itself in its HELLO reply (JSON; see docs/driver-protocol.md): its name and version, its
/// options, its durability modes with their promises, and whether it commits in groups. Decoded, then checked, so that a
/// driver's mistake is a message naming the driver, never a trap.
public struct DriverDescription: Sendable, Decodable {
    /// One option, as `surgebench backends` lists it.
    public struct Option: Sendable, Decodable {
        public var name: String
        public var summary: String
        public var `default`: String?
        public var choices: [String]?
    }

    /// One durability mode: its promise against each failure, in the protocol's short words.
    public struct Mode: Sendable, Decodable {
        public var name: String
        public var processKill: String
        public var powerLoss: String
        public var machineLoss: String?
        public var documentation: String?
    }

    /// The durability option and its modes, cheapest first.
    public struct Durability: Sendable, Decodable {
        public var option: String?
        public var summary: String?
        public var `default`: String
        public var bulkLoad: String?
        public var modes: [Mode]
    }

    public var `protocol`: UInt32
    public var name: String
    public var version: String
    public var summary: String?
    public var options: [Option]?
    public var durability: Durability
    public var groupCommit: Bool?

    /// The promises' short words on the wire.
    static let guarantees: [String: DurabilityPromise.Guarantee] = [
        "keeps": .keepsEverything, "may-lose-recent": .mayLoseRecent, "nothing": .nothing,
    ]

    /// Options SurgeBench itself gives every driver; a driver may not declare them.
    static let reservedOptions: Set<String> = ["path", "command", "driver", "start-timeout", "call-timeout"]

    /// Decodes and checks a HELLO reply's JSON; `driver` names the driver in every message.
    static func parse(_ json: [UInt8], driver: String) throws(StoreError) -> DriverDescription {
        let description: DriverDescription
        do {
            description = try JSONDecoder().decode(DriverDescription.self, from: Data(json))
        } catch {
            throw DriverFailure.protocolError(driver, "its HELLO reply is not the description docs/driver-protocol.md asks for: \(Self.explain(error))")
        }
        guard description.protocol == DriverWire.version else {
            throw StoreError(.cannotOpen, "driver \(driver) speaks protocol version \(description.protocol); this SurgeBench speaks "
                + "version \(DriverWire.version) only (see docs/driver-protocol.md); update the driver or SurgeBench")
        }
        try description.check(driver)
        return description
    }

    /// The durability modes as the built-in backends declare theirs.
    public var modes: DurabilityModes {
        // check(_:) has made every precondition of DurabilityModes hold.
        DurabilityModes(
            optionName: durability.option ?? "durability",
            summary: durability.summary ?? "durability mode of the driver's store (see `surgebench backends`)",
            modes: durability.modes.map { mode in
                DurabilityMode(mode.name, processKill: Self.guarantees[mode.processKill]!, powerLoss: Self.guarantees[mode.powerLoss]!,
                               machineLoss: Self.guarantees[mode.machineLoss ?? "nothing"]!, documentation: mode.documentation ?? "")
            },
            defaultMode: durability.default, bulkLoadMode: durability.bulkLoad ?? durability.default)
    }

    /// The driver's own options (the durability option among them), as the built-in backends declare theirs.
    public var backendOptions: [BackendOption] {
        let durabilityOption = modes.option
        let declared = (options ?? []).filter { $0.name != durabilityOption.name }.map { option in
            BackendOption(name: option.name, summary: option.summary, defaultValue: option.default ?? "", choices: option.choices)
        }
        return declared + [durabilityOption]
    }

    private func check(_ driver: String) throws(StoreError) {
        func refuse(_ reason: String) -> StoreError { DriverFailure.protocolError(driver, "its description \(reason)") }
        guard !name.isEmpty, name.utf8.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw refuse("names it '\(name)'; a name is 1 to 64 letters, digits, '-', '_' or '.'")
        }
        var seen = Set<String>()
        for option in options ?? [] {
            guard !option.name.isEmpty, !option.name.contains("="), !option.name.contains("."), seen.insert(option.name).inserted else {
                throw refuse("declares option '\(option.name)' twice or with '=' or '.' in its name")
            }
            guard !Self.reservedOptions.contains(option.name) else {
                throw refuse("declares option '\(option.name)', which SurgeBench gives every driver itself")
            }
            if let choices = option.choices, let value = option.default, !choices.contains(value) {
                throw refuse("gives option '\(option.name)' the default '\(value)', which is not one of its choices \(choices)")
            }
        }
        let modes = durability.modes
        guard !modes.isEmpty else { throw refuse("declares no durability mode; an in-memory store declares one that keeps \"nothing\"") }
        guard Set(modes.map(\.name)).count == modes.count, modes.allSatisfy({ !$0.name.isEmpty }) else {
            throw refuse("declares durability modes with empty or repeated names")
        }
        for mode in modes {
            for word in [mode.processKill, mode.powerLoss, mode.machineLoss ?? "nothing"] where Self.guarantees[word] == nil {
                throw refuse("gives mode '\(mode.name)' the promise '\(word)'; a promise is one of: keeps, may-lose-recent, nothing")
            }
        }
        let classes = modes.map { mode in
            DurabilityPromise(processKill: Self.guarantees[mode.processKill]!, powerLoss: Self.guarantees[mode.powerLoss]!,
                              machineLoss: Self.guarantees[mode.machineLoss ?? "nothing"]!).durabilityClass
        }
        guard zip(classes, classes.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw refuse("lists its durability modes out of order (classes \(classes.map(\.rawValue))); list them cheapest first")
        }
        for (what, value) in [("default", durability.default), ("bulk-load", durability.bulkLoad ?? durability.default)]
        where !modes.contains(where: { $0.name == value }) {
            throw refuse("names '\(value)' as its \(what) durability mode, which is not among its modes \(modes.map(\.name))")
        }
        let durabilityOption = durability.option ?? "durability"
        guard !Self.reservedOptions.contains(durabilityOption), !durabilityOption.isEmpty else {
            throw refuse("names its durability option '\(durabilityOption)', which SurgeBench gives every driver itself")
        }
    }

    private static func explain(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "the field '\(key.stringValue)' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "the field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case .dataCorrupted(let context): "it is not valid JSON (\(context.debugDescription))"
        default: "\(error)"
        }
    }
}
