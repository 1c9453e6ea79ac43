import Foundation
import HookdCore
package import HookdStore
import NIOPosix
package import PostgresNIO
import Testing

/// The test database named by `HOOKD_TEST_POSTGRES_URL`, handing out one fresh schema per store.
///
/// The role in the URL only needs to own the database (it creates and drops schemas in it), which is what `.ci/run`
/// sets up. Every connection of a test store gets `search_path` set to its schema through the startup `options`.
package enum PostgresTestDatabase {
    package static var url: String? { urlOverride ?? ProcessInfo.processInfo.environment["HOOKD_TEST_POSTGRES_URL"] }

    /// Another server for the calling task and its children, for a test that restarts its server and must not
    /// disturb the tests running beside it on the shared one.
    @TaskLocal package static var urlOverride: String?

    package static var isConfigured: Bool { url != nil }

    package static var logger: Logger {
        var logger = Logger(label: "hookd.store.test.postgres")
        logger.logLevel = .warning
        return logger
    }

    /// One schema of the test database, created empty and dropped with everything in it.
    package struct Schema: Sendable {
        /// `hookd_test_` and 24 hexadecimal digits: made here, never taken from input.
        package let name: String
        package let base: PostgresStore.Configuration

        package static func create() async throws -> Schema {
            let url = try #require(PostgresTestDatabase.url, "HOOKD_TEST_POSTGRES_URL is not set")
            let hex = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(24)
            let schema = Schema(name: "hookd_test_\(hex)", base: try PostgresStore.Configuration(url: url))
            try await PostgresTestDatabase.withConnection { connection in
                // Identifiers cannot be bound; the name is ours (see `name`).
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema.name)"), logger: logger)
                    .consumeAll()
            }
            return schema
        }

        /// A store configuration whose sessions all use this schema and carry its name as `application_name`; a lock
        /// wait fails after 30 s instead of hanging. Its query timeout is 30 s rather than hookd's 10: the whole suite
        /// at once on two cores can keep the server busy for seconds, and only the tests of that timeout (which set
        /// their own) may depend on it.
        package var configuration: PostgresStore.Configuration {
            var configuration = base
            configuration.startupOptions = "-c search_path=\(name) -c lock_timeout=30s"
            configuration.applicationName = name
            configuration.maximumConnections = 4
            configuration.queryTimeout = .seconds(30)
            return configuration
        }

        /// Runs `body` with one connection outside any store, in this schema, for setting up what a test needs.
        package func withConnection<Result: Sendable>(
            _ body: (PostgresConnection) async throws -> Result
        ) async throws -> Result {
            try await PostgresTestDatabase.withConnection(searchPath: name, body)
        }

        /// The first column of every row `query` returns, as text, in order, read in this schema outside any store.
        package func strings(_ query: PostgresQuery) async throws -> [String] {
            try await withConnection { connection in
                try await connection.query(query, logger: logger).decode(String.self)
                    .reduce(into: [String]()) { $0.append($1) }
            }
        }

        package func drop() async throws {
            try await PostgresTestDatabase.withConnection { connection in
                try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"), logger: logger)
                    .consumeAll()
            }
        }

        /// ``drop()`` for a synchronous cleanup (a `defer`), without waiting for it: it runs on NIO's event loop
        /// and first ends the sessions the schema's stores still hold (they carry its name as `application_name`).
        ///
        /// Waiting here would hold one of the two threads of Swift's shared executor for as long as the `DROP`
        /// waits for those sessions' locks, while ending them needs that executor: two such waits at once stalled
        /// every test in the process. The test database is a throwaway; a drop cut short by the process's exit
        /// leaves one empty schema behind.
        package func dropInBackground() {
            let loop = MultiThreadedEventLoopGroup.singleton.any()
            let logger = logger
            guard let configuration = try? PostgresTestDatabase.connectionConfiguration(searchPath: nil) else { return }
            let endSessions = PostgresQuery(
                unsafeSQL: """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = '\(name)' AND pid <> pg_backend_pid()
                    """
            )
            let drop = PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE")
            _ = PostgresConnection.connect(on: loop, configuration: configuration, id: 1, logger: logger)
                .flatMap { connection in
                    connection.query(endSessions, logger: logger)
                        .flatMap { _ in connection.query(drop, logger: logger) }
                        .map { _ in () }
                        .flatMapError { _ in loop.makeSucceededVoidFuture() }
                        .flatMap { connection.close() }
                }
        }
    }

    /// Runs `body` with a connection to the test database outside any store; with `searchPath`, in that schema.
    package static func withConnection<Result: Sendable>(
        searchPath: String? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await PostgresConnection.connect(
            configuration: connectionConfiguration(searchPath: searchPath),
            id: 1,
            logger: logger
        )
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    package static func connectionConfiguration(searchPath: String?) throws -> PostgresConnection.Configuration {
        let base = try PostgresStore.Configuration(url: try #require(url, "HOOKD_TEST_POSTGRES_URL is not set"))
        var configuration = PostgresConnection.Configuration(
            host: base.host,
            port: base.port,
            username: base.username,
            password: base.password,
            database: base.database,
            tls: .disable
        )
        if let searchPath {
            configuration.options.additionalStartupParameters = [("options", "-c search_path=\(searchPath)")]
        }
        return configuration
    }

    /// An empty, migrated store in a schema of its own, its pool running until `cleanup` drops the schema.
    ///
    /// For a fixture that outlives one call (the server tests' harness); a test that can scope its store uses
    /// ``withStore(adjust:_:)``, which also waits for the drop.
    ///
    /// - Parameter adjust: Changes the store's configuration (say, a shorter query timeout) before it is made.
    package static func makeEmptyStore(
        adjust: (inout PostgresStore.Configuration) -> Void = { _ in }
    ) async throws -> (store: any Store, cleanup: @Sendable () -> Void) {
        let schema = try await Schema.create()
        do {
            var configuration = schema.configuration
            adjust(&configuration)
            let store = try PostgresStore(configuration: configuration, logger: logger)
            let running = Task { try await store.run() }
            do {
                try await store.migrate()
            } catch {
                running.cancel()
                throw error
            }
            return (
                store,
                {
                    running.cancel()
                    schema.dropInBackground()
                }
            )
        } catch {
            try? await schema.drop()
            throw error
        }
    }

    /// Runs `body` with one migrated store in a fresh schema, its pools running; afterwards the pools stop and the
    /// schema is dropped, awaited, whether `body` returns or throws.
    ///
    /// - Parameter adjust: Changes the store's configuration (say, a smaller dispatch pool) before it is made.
    package static func withStore<Result>(
        adjust: (inout PostgresStore.Configuration) -> Void = { _ in },
        _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        try await withStores(adjust: adjust) { stores, _ in try await body(stores[0]) }
    }

    /// Runs `body` with `count` stores (separate pools, like separate hookd processes) sharing one fresh schema;
    /// afterwards the pools stop and the schema is dropped, awaited, whether `body` returns or throws.
    ///
    /// - Parameters:
    ///   - migrate: Whether the first store migrates the schema before `body` runs.
    ///   - adjust: Changes the stores' configuration before they are made.
    package static func withStores<Result>(
        count: Int = 1,
        migrate: Bool = true,
        adjust: (inout PostgresStore.Configuration) -> Void = { _ in },
        _ body: ([PostgresStore], Schema) async throws -> Result
    ) async throws -> Result {
        let schema = try await Schema.create()
        do {
            var configuration = schema.configuration
            adjust(&configuration)
            let stores = try (0..<count).map { _ in
                try PostgresStore(configuration: configuration, logger: logger)
            }
            let result = try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores {
                    group.addTask { try await store.run() }
                }
                defer { group.cancelAll() }
                if migrate {
                    try await stores[0].migrate()
                }
                return try await body(stores, schema)
            }
            try await schema.drop()
            return result
        } catch {
            try? await schema.drop()
            throw error
        }
    }

    /// A local port nothing listens on: bound once to find a free one, then closed.
    package static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }
}

extension PostgresRowSequence {
    /// Reads and drops every row.
    package func consumeAll() async throws {
        for try await _ in self {}
    }
}
