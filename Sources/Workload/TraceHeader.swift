import SurgeCore

/// What a trace says about itself: the format version, the effective scenario it came from, and the seed.
public struct TraceHeader: Hashable, Sendable {
    /// "SURGETRC": the first eight bytes of every trace.
    static let magic = Array("SURGETRC".utf8)
    /// Bumped whenever the byte layout changes; older or newer traces are refused.
    public static let formatVersion: UInt32 = 2

    public var seed: UInt64
    /// The scale and duration the scenario was rescaled by, as given on the command line (for the results).
    public var scale: Double
    /// The communities the trace holds: all of them, or one shard's.
    public var shard: Shard
    /// The effective (already rescaled) scenario, as YAML.
    public var scenarioYAML: String

    public init(seed: UInt64, scale: Double, shard: Shard = .whole, scenarioYAML: String) {
        self.seed = seed
        self.scale = scale
        self.shard = shard
        self.scenarioYAML = scenarioYAML
    }

    /// FNV-1a of the effective scenario's YAML: equal digests mean the same workload definition.
    public var scenarioDigest: UInt64 { TraceCoding.fnv1a(scenarioYAML.utf8) }

    /// The effective scenario, parsed back.
    public func scenario(source: String) throws(BenchmarkError) -> Scenario {
        try Scenario.load(yaml: scenarioYAML, source: source)
    }

    func encoded() -> [UInt8] {
        var body: [UInt8] = []
        TraceCoding.append(seed, to: &body)
        TraceCoding.append(scale.bitPattern, to: &body)
        TraceCoding.append(scenarioDigest, to: &body)
        TraceCoding.append(shard.index, to: &body)
        TraceCoding.append(shard.count, to: &body)
        let yaml = Array(scenarioYAML.utf8)
        TraceCoding.append(UInt32(yaml.count), to: &body)
        body += yaml
        var bytes = Self.magic
        TraceCoding.append(Self.formatVersion, to: &bytes)
        TraceCoding.append(UInt32(body.count), to: &bytes)
        bytes += body
        TraceCoding.append(TraceCoding.crc32(body), to: &bytes)
        return bytes
    }
}
