import Foundation
import StoreSupport
import SurgeCore

/// Files the build put beside the test bundle: the `surgebench` executable, libSurgePowerCut.so.
public enum BuiltProducts {
    /// The path of `name` in the build's products directory (where the test bundle is).
    public static func path(_ name: String) -> String {
        // On Linux the test bundle is itself the executable, in the products directory.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((executable as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    }
}

extension BuiltProducts {
    /// Runs the built `surgebench` with `arguments` in `directory`, with `environment` added; returns its exit status and
    /// everything it printed.
    ///
    /// Through posix_spawn and waitpid, not Foundation's `Process`, which was seen never to notice the exit of a
    /// `surgebench run` that had started PostgreSQL (it stays a zombie; Python's subprocess reaps it at once).
    public static func surgebench(_ arguments: [String], in directory: ScratchDirectory,
                                  environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let (pid, log) = try startSurgebench(arguments, in: directory, environment: environment)
        defer { unlink(log) }
        let status = ChildProcess.wait(for: pid)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // The exit status as a shell gives it: the code, or 128 + the signal that ended it.
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, output)
    }

    /// Starts the built `surgebench` with `arguments` in `directory`, with `environment` added; returns its pid (for
    /// the caller to signal and reap) and the file its output goes to.
    public static func startSurgebench(_ arguments: [String], in directory: ScratchDirectory,
                                       environment: [String: String] = [:]) throws -> (pid: pid_t, output: String) {
        let log = directory.file(".surgebench-output-\(UUID().uuidString)")
        let pid = ChildProcess.spawn(["/usr/bin/env", "--chdir=\(directory.path)", path("surgebench")] + arguments, output: log,
                                     newSession: false, environment: environment)
        guard pid > 0 else { throw BenchmarkError("cannot start \(path("surgebench"))") }
        return (pid, log)
    }
}
