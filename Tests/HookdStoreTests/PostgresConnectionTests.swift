import HookdCore
import HookdStore
import HookdTestSupport
import PostgresNIO
import Testing

/// What a caller is told when the PostgreSQL server refuses, cannot be reached, or does not answer in time.
@Suite struct PostgresConnectionTests {
    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
    func aRefusedLoginNamesTheServerAndTheReason() async throws {
        var configuration = try PostgresStore.Configuration(url: try #require(PostgresTestDatabase.url))
        configuration.database = "hookd_no_such_database"
        let store = try PostgresStore(configuration: configuration, logger: PostgresTestDatabase.logger)
        await #expect {
            try await store.migrate()
        } throws: { error in
            let text = "\(error)"
            return text.contains("\(configuration.host):\(configuration.port)") && text.contains("refused")
                && text.contains("does not exist")
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
    func requiringTLSFromAServerWithoutItIsRefused() async throws {
        var configuration = try PostgresStore.Configuration(url: try #require(PostgresTestDatabase.url))
        configuration.tls = .require
        let store = try PostgresStore(configuration: configuration, logger: PostgresTestDatabase.logger)
        let supportsTLS = try await PostgresTestDatabase.withConnection { connection in
            try await connection.query("SHOW ssl", logger: PostgresTestDatabase.logger)
                .decode(String.self).reduce(into: "") { $0 += $1 } == "on"
        }
        try #require(!supportsTLS, "the test server offers TLS")
        await #expect {
            try await store.migrate()
        } throws: { error in
            "\(error)".contains("does not offer TLS")
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
    func aStatementThatWaitsPastTheQueryTimeoutIsReportedAsUnavailableAndThePoolRecovers() async throws {
        try await PostgresTestDatabase.withStores { stores, schema in
            let app = try await makeConfiguredApp(stores[0])
            var configuration = schema.configuration
            configuration.queryTimeout = .seconds(1)
            let store = try PostgresStore(configuration: configuration, logger: PostgresTestDatabase.logger)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await store.run() }
                defer { group.cancelAll() }
                try await schema.withConnection { connection in
                    let logger = PostgresTestDatabase.logger
                    try await connection.query("BEGIN", logger: logger).consumeAll()
                    try await connection.query("LOCK TABLE apps IN ACCESS EXCLUSIVE MODE", logger: logger)
                        .consumeAll()
                    // The server cancels the statement at the query timeout (SQLSTATE 57014, rolled back); on a
                    // server too busy to say so within the 2 s hookd adds, hookd gives up on it itself. Either way
                    // the caller is told the database is unavailable, not left waiting on the lock.
                    await #expect {
                        _ = try await store.app(id: app.id)
                    } throws: { error in
                        let text = "\(error)"
                        return (error as? StoreError)?.isUnavailable == true
                            && (text.contains("57014") || text.contains("did not answer within 3000 ms"))
                    }
                    try await connection.query("ROLLBACK", logger: logger).consumeAll()
                }
                #expect(try await store.app(id: app.id)?.id == app.id, "the next call is served")
            }
        }
    }

    @Test func anUnreachableServerIsNamedInTheError() async throws {
        let port = try await PostgresTestDatabase.closedPort()
        let store = try PostgresStore(
            url: "postgres://hookd:do-not-print@127.0.0.1:\(port)/hookd?sslmode=disable",
            logger: PostgresTestDatabase.logger
        )
        await #expect {
            try await store.migrate()
        } throws: { error in
            let text = "\(error)"
            return text.contains("cannot reach the PostgreSQL server at 127.0.0.1:\(port)")
                && text.contains("connection refused") && !text.contains("do-not-print")
        }
    }
}
