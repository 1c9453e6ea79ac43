package import Foundation
import HookdBench

/// A `hookd` child process whose output a test can wait on line by line.
package final class ChildProcess: Sendable {
    /// The `hookd` binary built beside the test bundle.
    package static var hookdBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hookd")
    }

    private let process: SpawnedProcess

    /// Starts `hookd` with `arguments` and `environment` added to this process's environment.
    package init(_ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil) throws {
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "HOOKD_MASTER_KEY")
        merged.removeValue(forKey: "HOOKD_DATA_DIR")
        merged.removeValue(forKey: "HOOKD_PORT")
        merged.merge(environment) { $1 }
        process = try SpawnedProcess(
            executable: Self.hookdBinary.path,
            arguments: arguments,
            environment: merged,
            input: input
        )
    }

    package var standardOutput: String { process.standardOutput }
    package var standardError: String { process.standardError }
    package var isRunning: Bool { process.isRunning }
    package var identifier: Int32 { process.identifier }

    /// Waits until standard output matches `pattern` (or the process ends, or `seconds` pass) and returns the match.
    ///
    /// The default is generous: a start that takes half a second alone took 40 s once beside the whole suite and a
    /// build on two cores, and only a failing test waits it out.
    package func waitForOutput(_ pattern: Regex<(Substring, Substring)>, seconds: Double = 90) async throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let match = standardOutput.firstMatch(of: pattern) { return String(match.1) }
            if !process.isRunning {
                _ = try await process.waitForExit(seconds: 0)
                return standardOutput.firstMatch(of: pattern).map { String($0.1) }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits for the process to end and returns its exit status, or `nil` if it is still running after `seconds`.
    package func waitForExit(seconds: Double = 30) async throws -> Int32? {
        try await process.waitForExit(seconds: seconds)
    }

    /// Sends SIGTERM, then SIGKILL if it has not ended within `seconds`.
    package func stop(seconds: Double = 10) async throws -> Int32? {
        if let status = process.terminationStatus { return status }
        process.send(SIGTERM)
        if let status = try await waitForExit(seconds: seconds) { return status }
        process.send(SIGKILL)
        return try await waitForExit(seconds: 5)
    }

    /// Runs `hookd` to completion and returns its exit status and output.
    package static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        input: [UInt8]? = nil
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(arguments, environment: environment, input: input)
        let status = try await child.waitForExit(seconds: 60) ?? -1
        return (status, child.standardOutput, child.standardError)
    }
}
