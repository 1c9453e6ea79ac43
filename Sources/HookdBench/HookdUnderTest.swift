import Foundation
import HookdCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where and how the benchmarked `hookd` runs: its binary, data directory, database and `serve` options.
public struct HookdSetup: Sendable {
    /// The `hookd` binary to run (the benchmark's own, normally).
    public var executable: String
    /// A data directory of its own; created if missing.
    public var dataDirectory: String
    /// A PostgreSQL URL, or `nil` for SQLite in the data directory.
    public var databaseURL: String?
    /// Options added to `hookd serve`.
    public var serveOptions: [String]

    public init(executable: String, dataDirectory: String, databaseURL: String?, serveOptions: [String]) {
        self.executable = executable
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
        self.serveOptions = serveOptions
    }

    /// This process's environment without the settings the arguments give, so they cannot disagree.
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["HOOKD_DATA_DIR", "HOOKD_DATABASE", "HOOKD_HOST", "HOOKD_PORT", "HOOKD_LOG_LEVEL", "HOOKD_ROLE"] {
            environment.removeValue(forKey: name)
        }
        return environment
    }

    var storageArguments: [String] {
        ["--data-dir", dataDirectory] + (databaseURL.map { ["--database", $0] } ?? [])
    }

    /// Runs an operator command (`apps create`, `operator-key`) to completion and returns its standard output.
    func runCommand(_ arguments: [String]) async throws -> String {
        let process = try SpawnedProcess(
            executable: executable,
            arguments: arguments + storageArguments,
            environment: environment
        )
        let status = try await process.waitForExit(seconds: 120)
        guard status == 0 else {
            throw BenchError("hookd \(arguments.joined(separator: " ")) failed: \(process.standardError)")
        }
        return process.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Creates an app and reads the operator key, with the operator commands.
    func createApp() async throws -> BenchApp {
        let created = try await runCommand(["apps", "create", "--name", "bench", "--type", "issuing", "--json"])
        guard let object = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any],
            let appID = object["appId"] as? String, let secretKey = object["secretKey"] as? String
        else {
            throw BenchError("hookd apps create printed no app: \(created)")
        }
        return BenchApp(
            appID: AppID(appID),
            secretKey: secretKey,
            operatorKey: try await runCommand(["operator-key"])
        )
    }
}

/// A `hookd serve` child process, listening on an ephemeral port of 127.0.0.1.
public final class HookdUnderTest: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let base: String
    /// The child's process id, for reading its memory.
    public var pid: Int32 { process.identifier }
    private let process: SpawnedProcess

    /// Starts `hookd serve` and waits until it listens. Its log goes to `serve.log` in the data directory.
    public static func start(_ setup: HookdSetup) async throws -> HookdUnderTest {
        let logPath = setup.dataDirectory + "/serve.log"
        let process = try SpawnedProcess(
            executable: setup.executable,
            arguments: ["serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "warning"]
                + setup.storageArguments + setup.serveOptions,
            environment: setup.environment,
            standardError: .file(logPath)
        )
        let deadline = BenchClock.now() + 60_000_000_000
        while BenchClock.now() < deadline {
            if let match = process.standardOutput.firstMatch(of: #/listening on (http://\S+)/#) {
                return HookdUnderTest(base: String(match.1), process: process)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.send(SIGKILL)
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw BenchError("hookd serve did not start: \(log.suffix(2000))")
    }

    private init(base: String, process: SpawnedProcess) {
        self.base = base
        self.process = process
    }

    /// Its memory now and at its peak.
    public var memory: ProcessMemory? { ProcessMemory.read(pid: pid) }

    /// Stops it with SIGTERM (SIGKILL after 30 s) and returns its exit status.
    @discardableResult
    public func stop() async -> Int32 {
        process.send(SIGTERM)
        if let status = try? await process.waitForExit(seconds: 30) { return status }
        process.send(SIGKILL)
        return (try? await process.waitForExit(seconds: 10)) ?? -1
    }
}

/// A benchmark could not run; the message says why.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
