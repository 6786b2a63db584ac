import Foundation
import Histogram
import PostgresStore
import StoreSupport
import SurgeCore

/// Runs the check's transaction through pgbench (`-M prepared -c W -j W`, `--rate` for a fixed rate), and reads its
/// throughput from its report and its latencies from its per-transaction log, which at a fixed rate measures from
/// the scheduled start.
enum PgbenchDriver {
    static let executable = "/usr/lib/postgresql/15/bin/pgbench"

    static func run(connectionString: String, workload: CheckWorkload, workers: Int, seconds: Int, load: CheckRun.Load)
        throws(StoreError) -> CheckRun
    {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw StoreError(.cannotOpen, "pgbench is not installed (no \(executable)): run `make deps` or `apt-get install postgresql`")
        }
        let directory = NSTemporaryDirectory() + "surgebench-pgbench-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = (directory as NSString).appendingPathComponent("transaction.sql")
        let logPrefix = (directory as NSString).appendingPathComponent("log")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try workload.pgbenchScript.write(toFile: script, atomically: true, encoding: .utf8)
        } catch {
            throw StoreError(.cannotOpen, "cannot write the pgbench script in \(directory): \(error.localizedDescription)")
        }
        var arguments = [executable, "--no-vacuum", "--protocol=prepared", "--client=\(workers)", "--jobs=\(workers)",
                         "--time=\(seconds)", "--file=\(script)", "--log", "--log-prefix=\(logPrefix)"]
        if case .fixedRate(let rate) = load { arguments.append("--rate=\(String(format: "%.3f", rate))") }
        arguments.append(connectionString)
        let output: String
        let cpuBefore = CheckRun.cpuNanos(RUSAGE_CHILDREN.rawValue)
        do throws(StoreError) {
            output = try ChildProcess.run(arguments, what: "pgbench")
        } catch {
            throw StoreError(error.kind, Redaction.redact(value: error.message))
        }
        guard let tps = number(after: "tps = ", in: output) else {
            throw StoreError(.engine, "pgbench printed no throughput: \(Redaction.redact(value: String(output.suffix(400))))")
        }
        let cpu = CheckRun.cpuNanos(RUSAGE_CHILDREN.rawValue) - cpuBefore  // pgbench, the only child waited for meanwhile
        let latency = try latencies(inLogsAt: directory)
        return CheckRun(tool: .pgbench, load: load, transactionsPerSecond: tps,
                        failures: Int(number(after: "number of failed transactions: ", in: output) ?? 0),
                        latency: latency, clientCPUMicrosPerTransaction: Double(cpu) / 1000 / Double(max(latency.totalCount, 1)))
    }

    /// The first number after `label` in `text`.
    static func number(after label: String, in text: String) -> Double? {
        guard let range = text.range(of: label) else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// Every transaction's latency from pgbench's logs (`client transaction latency-µs script epoch µs [lag]` per
    /// line, one file per thread), in nanoseconds.
    static func latencies(inLogsAt directory: String) throws(StoreError) -> Histogram<UInt64> {
        var histogram = CheckRun.makeHistogram()
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("log.") }
        for file in files {
            guard let text = try? String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8) else {
                throw StoreError(.engine, "cannot read pgbench's log \(file)")
            }
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count >= 3, let micros = UInt64(fields[2]) else { continue }  // "skipped" never happens without --latency-limit
                histogram.record(min(micros, 3_600_000_000) * 1_000)
            }
        }
        guard histogram.totalCount > 0 else { throw StoreError(.engine, "pgbench logged no transaction in \(directory)") }
        return histogram
    }
}
