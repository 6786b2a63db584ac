import ArgumentParser
import Foundation
import Reporting
import SurgeCore
import Workload

extension SurgeBench {
    /// `surgebench trace inspect FILE`.
    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Look inside a trace file.", subcommands: [Inspect.self])

        struct Inspect: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check a trace and print its summary; --operations dumps its operations as JSON lines.")

            @Argument(help: "The trace file.")
            var path: String

            @Flag(help: "Print every operation as one JSON object per line instead of the summary.")
            var operations = false

            func run() throws {
                let reader = try TraceReader(path: path)
                let scenario = try reader.header.scenario(source: "in trace '\(path)'")
                var counts: [String: Int] = [:]
                var setup = 0
                var last: UInt64 = 0
                while let operation = try reader.next() {
                    if operations {
                        print(jsonLine(operation))
                        continue
                    }
                    if operation.isSetup {
                        setup += 1
                    } else {
                        counts["\(scenario.phases[Int(operation.phase)].name) \(operation.kind)", default: 0] += 1
                        last = operation.intendedNanos
                    }
                }
                guard !operations else { return }
                print("""
                    trace \(path): format version \(TraceHeader.formatVersion), intact (every block checksum and the end block verified)
                    scenario \(scenario.name) (digest \(Figures.hex(reader.header.scenarioDigest))), seed \(reader.header.seed), scale \(reader.header.scale)
                    trace digest \(Figures.hex(reader.traceDigest ?? 0))
                    \(reader.operationsRead) operations: \(setup) setup (population), \(Int(reader.operationsRead) - setup) scheduled over \(scenario.duration) (last at \(String(format: "%.3f", Double(last) / 1e9)) s)
                    """)
                for phase in scenario.phases {
                    let line = OperationKind.allCases.compactMap { kind in counts["\(phase.name) \(kind)"].map { "\(kind) \($0)" } }
                    print("  \(phase.name) (\(phase.duration), \(phase.role.rawValue)): \(line.joined(separator: ", "))")
                }
            }

            private func jsonLine(_ operation: TraceOperation) -> String {
                var fields = [
                    "\"kind\":\"\(operation.kind)\"", "\"setup\":\(operation.isSetup)", "\"phase\":\(operation.phase)",
                    "\"lane\":\(operation.lane)", "\"intendedNanos\":\(operation.intendedNanos)", "\"user\":\(operation.user)",
                    "\"argument\":\(operation.argument)", "\"chat\":\(operation.chat)", "\"clientMessageID\":\(operation.clientMessageID)",
                    "\"retry\":\(operation.isRetry)",
                ]
                if !operation.list.isEmpty { fields.append("\"list\":[\(operation.list.map(String.init).joined(separator: ","))]") }
                return "{" + fields.joined(separator: ",") + "}"
            }
        }
    }
}
