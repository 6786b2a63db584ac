import Foundation
import StoreSupport
import SurgeCore

/// Runs one operation through redis-benchmark against the master serving the chat (`-c W --threads W -P 1 -n N`,
/// closed loop, no pipelining), the very call SurgeBench makes, and reads its throughput and percentiles from its CSV
/// report. A send's client message id is drawn by redis-benchmark (`__rand_int__`, below `-r 2000000000`: its range
/// must fit a C int), so a few sends of 100,000 repeat an earlier id and are answered as resends, writing nothing.
///
/// Not `--cluster`: there redis-benchmark rewrites a key's `{tag}` to a random slot of the node for every request, so
/// no chat's keys can be named; the chat's slot lives on one master, which is where `--cluster` would send it too.
enum RedisBenchmarkDriver {
    static let executable = "/usr/bin/redis-benchmark"
    /// Stands for the client message id in the command.
    private static let placeholder: UInt64 = 987_654_321_987_654

    static func run(chat: CheckChat, operation: RedisBenchmarkCheck.Operation, workers: Int, requests: Int) throws(StoreError) -> RedisCheckRun {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw StoreError(.cannotOpen, "redis-benchmark is not installed (no \(executable)): run `make deps` or `apt-get install redis-tools`")
        }
        let parts = chat.master.split(separator: ":")
        guard parts.count == 2 else { throw StoreError(.engine, "cannot read the master's address '\(chat.master)'") }
        let command = chat.call(operation, clientMessageID: placeholder).map { word in
            let text = String(decoding: word, as: UTF8.self)
            return text == String(placeholder) ? "__rand_int__" : text
        }
        let arguments = [executable, "-h", String(parts[0]), "-p", String(parts[1]), "-c", String(workers), "--threads", String(workers),
                         "-n", String(requests), "-P", "1", "-r", "2000000000", "-e", "--csv"] + command
        let output = try ChildProcess.run(arguments, what: "redis-benchmark")
        if let error = output.split(separator: "\n").first(where: { $0.contains("Error") || $0.contains("ERR") }) {
            throw StoreError(.engine, "redis-benchmark met an error: \(error.prefix(300))")
        }
        // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("\"FCALL") }) else {
            throw StoreError(.engine, "redis-benchmark printed no result: \(output.suffix(400))")
        }
        let fields = line.split(separator: ",").suffix(7).map { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))) }
        guard fields.count == 7, let rps = fields[0], let p50 = fields[3], let p99 = fields[5], let max = fields[6] else {
            throw StoreError(.engine, "cannot read redis-benchmark's report line: \(line.prefix(300))")
        }
        return RedisCheckRun(tool: .redisBenchmark, operation: operation, callsPerSecond: rps, p50Ms: p50, p99Ms: p99, maxMs: max, failures: 0)
    }
}
