import Foundation
import Synchronization

/// A `hookd` child process whose output a test can wait on line by line.
final class ChildProcess: Sendable {
    /// The `hookd` binary built beside the test bundle.
    static var hookdBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hookd")
    }

    private let process: Process
    private let output = OutputBuffer()

    /// Starts `hookd` with `arguments` and `environment` added to this process's environment.
    init(_ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil) throws {
        process = Process()
        process.executableURL = Self.hookdBinary
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "HOOKD_MASTER_KEY")
        merged.removeValue(forKey: "HOOKD_DATA_DIR")
        merged.removeValue(forKey: "HOOKD_PORT")
        merged.merge(environment) { $1 }
        process.environment = merged
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        stdout.fileHandleForReading.readabilityHandler = { [output] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            output.value.withLock { $0.stdout += text }
        }
        stderr.fileHandleForReading.readabilityHandler = { [output] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            output.value.withLock { $0.stderr += text }
        }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input))
            try stdin.fileHandleForWriting.close()
        }
    }

    var standardOutput: String { output.value.withLock { $0.stdout } }
    var standardError: String { output.value.withLock { $0.stderr } }
    var isRunning: Bool { process.isRunning }
    var identifier: Int32 { process.processIdentifier }

    /// Waits until standard output matches `pattern` (or the process ends, or `seconds` pass) and returns the match.
    func waitForOutput(_ pattern: Regex<(Substring, Substring)>, seconds: Double = 30) async throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let match = standardOutput.firstMatch(of: pattern) { return String(match.1) }
            if !process.isRunning {
                try await Task.sleep(for: .milliseconds(100))
                return standardOutput.firstMatch(of: pattern).map { String($0.1) }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits for the process to end and returns its exit status, or `nil` if it is still running after `seconds`.
    func waitForExit(seconds: Double = 30) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(50))
        return process.terminationStatus
    }

    /// Sends SIGTERM, then SIGKILL if it has not ended within `seconds`.
    func stop(seconds: Double = 10) async throws -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        if let status = try await waitForExit(seconds: seconds) { return status }
        kill(process.processIdentifier, SIGKILL)
        return try await waitForExit(seconds: 5)
    }

    /// Runs `hookd` to completion and returns its exit status and output.
    static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        input: [UInt8]? = nil
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(arguments, environment: environment, input: input)
        let status = try await child.waitForExit(seconds: 60) ?? -1
        return (status, child.standardOutput, child.standardError)
    }
}

/// What a child process has written so far, shared with the pipes' reading handlers.
private final class OutputBuffer: Sendable {
    let value = Mutex<(stdout: String, stderr: String)>(("", ""))
}
