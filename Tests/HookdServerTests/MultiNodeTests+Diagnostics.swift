import AsyncHTTPClient
import Foundation
import HookdCore
import HookdServerTestSupport
import HookdTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PostgresNIO
import Synchronization
import Testing

/// Small helpers: the database's start time, what the nodes logged, health, and a shell.
extension MultiNodeTests {
    /// When the test database's server started, as PostgreSQL writes it: it changes with a restart.
    static func postmasterStartTime() async throws -> String {
        try await PostgresTestDatabase.withConnection { connection in
            let rows = try await connection.query(
                "SELECT pg_postmaster_start_time()::text",
                logger: PostgresTestDatabase.logger
            )
            for try await row in rows {
                return try row.decode(String.self)
            }
            return ""
        }
    }

    /// Successful attempts a worker started with `--log-level debug` has logged.
    static func deliveriesLogged(by process: ChildProcess) -> Int {
        occurrences(of: "[HookdDelivery] delivered", in: process.standardError)
    }

    /// Expects that no accepted event is `lost`, and explains any loss through the first of `nodes`, the API node.
    static func expectNoneLost(_ lost: Set<String>, on cluster: Cluster, token: String, nodes: [Node]) async {
        #expect(lost.isEmpty, "\(lost.count) accepted events never arrived, e.g. \(Array(lost.prefix(3)))")
        if !lost.isEmpty {
            await explainLoss(lost, on: cluster, base: nodes[0].base, token: token, nodes: nodes)
        }
    }

    /// Prints where accepted events that never arrived are: the delivery log counted by status, and the last lines
    /// each node wrote beside its debug ones.
    static func explainLoss(_ lost: Set<String>, on cluster: Cluster, base: String, token: String, nodes: [Node]) async
    {
        var counts: [String: Int] = [:]
        for status in ["", "PENDING", "SUCCEEDED", "FAILED", "CANCELLED"] {
            counts[status.isEmpty ? "all" : status] = try? await LiveHTTP.deliveries(
                status,
                base: base,
                token: token
            )
        }
        print("multi-node: the delivery log holds \(counts)")
        // The rows behind them, and the queue rows that decide when they are claimed.
        let rows = try? await cluster.schema.withConnection { connection in
            var lines: [String] = []
            for query: PostgresQuery in [
                "SELECT row_to_json(d)::text FROM deliveries d WHERE event_id = ANY(\(Array(lost)))",
                """
                SELECT row_to_json(a)::text FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                WHERE d.event_id = ANY(\(Array(lost)))
                """,
                "SELECT row_to_json(q)::text FROM delivery_queues q",
                "SELECT row_to_json(q)::text FROM app_queues q",
                "SELECT row_to_json(r)::text FROM lease_releases r",
                "SELECT now()::text",
            ] {
                for try await line in try await connection.query(query, logger: PostgresTestDatabase.logger)
                    .decode(String.self)
                {
                    lines.append(line)
                }
            }
            return lines
        }
        print("multi-node: rows:\n\((rows ?? ["unreadable"]).joined(separator: "\n"))")
        for node in nodes {
            let said = node.process.standardError.split(separator: "\n").filter { !$0.contains("debug") }
            print("multi-node: the \(node.role) node said:\n\(said.suffix(40).joined(separator: "\n"))")
        }
    }

    /// What a crashed node's standard error says of the crash: Swift's backtrace from its headline (the fault and
    /// the crashed thread's frames come first), or the last lines when there is none.
    static func crashReport(in standardError: String) -> String {
        guard let headline = standardError.range(of: "*** ") else { return String(standardError.suffix(2000)) }
        return String(standardError[headline.lowerBound...].prefix(6000))
    }

    static func occurrences(of needle: String, in text: String) -> Int {
        text.ranges(of: needle).count
    }

    /// Whether `GET /health` answers 200 within `seconds` (it checks the database).
    static func isHealthy(_ base: String, seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: base + "/health"),
                timeout: .seconds(5)
            ), response.status == .ok {
                return true
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    /// Runs `command` with `/bin/sh -c` and returns its exit status and output (status -1 if it runs too long).
    ///
    /// Not with Foundation's `Process`: a command that starts a daemon (`pg_ctl restart`) would pass it the socket
    /// `Process` watches for the child's end, and the command would seem to run for as long as the daemon. Here the
    /// shell gets standard input from /dev/null, its output in a file, no other descriptor of this process, default
    /// signal handling, and is waited for by its process id.
    static func runShell(_ command: String, seconds: Double) async -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-multinode-sh-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #else
        // Closing a descriptor that is no longer open is not an error for posix_spawn.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        #endif
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let arguments: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", command].map { (text: String) in
            strdup(text)
        }
        let environment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map {
            strdup("\($0.key)=\($0.value)")
        }
        defer {
            for string in arguments + environment { free(string) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments + [nil], environment + [nil])
        guard spawned == 0 else { return (-1, "cannot run /bin/sh: \(String(cString: strerror(spawned)))") }

        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        var ended = false
        while !ended {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == -1, errno != EINTR {
                return (-1, "waitpid failed: \(String(cString: strerror(errno)))")
            }
            ended = waited == pid
            if !ended, Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                return (-1, "still running after \(seconds) s: \(output)")
            }
            if !ended { try? await Task.sleep(for: .milliseconds(50)) }
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // The exit code when the shell exited (WIFEXITED, WEXITSTATUS), otherwise 128 + the signal.
        return (status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        String(format: "%.1f s", (ContinuousClock.now - start).inSeconds)
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
