import HookdCore
import HookdTestSupport
import PostgresNIO
import Testing

@testable import HookdStore

/// Races between dispatchers sharing one PostgreSQL queue, made to happen in one chosen order by holding row locks
/// from a session of the test's own.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
struct PostgresClaimRaceTests {
    static let caps = ClaimCaps.unreached

    /// Another dispatcher's fold (``PostgresClaimStatements/FoldIntoQueues``) at `now`.
    static func fold(now: UnixMillis) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(now.rawValue)
        return PostgresQuery(unsafeSQL: PostgresClaimStatements.FoldIntoQueues.sql, binds: bindings)
    }

    /// Waits until a session of the schema's stores waits for a lock (or fails the test after 20 s).
    static func waitForALockWait(in schema: PostgresTestDatabase.Schema) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let waiting = try await PostgresTestDatabase.withConnection { connection in
                try await connection.query(
                    """
                    SELECT count(*)::bigint FROM pg_stat_activity
                    WHERE application_name = \(schema.name) AND wait_event_type = 'Lock'
                    """,
                    logger: PostgresTestDatabase.logger
                ).decode(Int64.self).reduce(0, +)
            }
            if waiting > 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("no session of the store waited for a lock within 20 s")
    }

    /// A claim's statement has begun when a publish commits, and another dispatcher folds that publish's wake-up into
    /// the endpoint's queue row before the claim reaches the row. The claim cannot see the new delivery; the next
    /// claim takes it, rather than leaving it for the endpoint's next publish (found by the multi-node restart test:
    /// the last deliveries of a run stayed pending).
    @Test func aDeliveryFoldedByAnotherDispatcherDuringAClaimIsTheNextClaims() async throws {
        try await PostgresTestDatabase.withStores { stores, schema in
            let store = stores[0]
            let logger = PostgresTestDatabase.logger
            let app = try await makeConfiguredApp(store)
            let first = try await publish(store, appID: app.id, now: UnixMillis(1_000))
            try await schema.withConnection { connection in
                try await connection.query(Self.fold(now: UnixMillis(2_000)), logger: logger).consumeAll()
            }

            let (claimed, second) = try await schema.withConnection { otherDispatcher in
                // The other dispatcher holds the endpoint's queue row, as its fold would.
                try await otherDispatcher.query("BEGIN", logger: logger).consumeAll()
                try await otherDispatcher.query("SELECT 1 FROM delivery_queues FOR UPDATE", logger: logger)
                    .consumeAll()
                let claim = Task {
                    try await store.claim(10, caps: Self.caps, at: UnixMillis(2_000), until: UnixMillis(9_000))
                }
                try await Self.waitForALockWait(in: schema)
                // Published after the claim's snapshot, and folded before the claim gets the row.
                let second = try await publish(store, appID: app.id, now: UnixMillis(1_500))
                try await otherDispatcher.query(Self.fold(now: UnixMillis(2_000)), logger: logger).consumeAll()
                try await otherDispatcher.query("COMMIT", logger: logger).consumeAll()
                return (try await claim.value, second)
            }
            #expect(claimed.map(\.id) == [first], "the claim saw only what was published before it began")

            let next = try await store.claim(10, caps: Self.caps, at: UnixMillis(2_000), until: UnixMillis(9_000))
            #expect(next.map(\.id) == [second], "the delivery folded meanwhile is due at once")
        }
    }
}
