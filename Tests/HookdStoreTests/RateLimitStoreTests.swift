import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// The shared rate limiter, on every backend, and exact under concurrency across PostgreSQL processes.
@Suite struct RateLimitStoreTests {
    @Test(arguments: StoreBackend.all)
    func theRateLimiterAllowsTheLimitPerPeriodAndSaysHowLongToWait(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let start = UnixMillis(1_000_000)
            // Ten a minute under `key`: `nil` when granted, else how long to wait.
            func acquire(_ key: String = "k", at now: UnixMillis) async throws -> Duration? {
                try await store.acquireRateLimit(key: key, limit: 10, period: .seconds(60), now: now)
            }
            for _ in 0..<10 { #expect(try await acquire(at: start) == nil) }
            let wait = try #require(try await acquire(at: start))
            #expect(wait == .seconds(6), "one unit comes back every period/limit")
            #expect(try await acquire("other", at: start) == nil)
            #expect(try await acquire(at: start + .milliseconds(5_999)) != nil)
            #expect(try await acquire(at: start + .milliseconds(6_000)) == nil)
            #expect(try await acquire(at: start + .milliseconds(6_000)) != nil)
            for _ in 0..<10 { #expect(try await acquire(at: start + .milliseconds(200_000)) == nil) }
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
    func theRateLimiterGrantsExactlyTheLimitToConcurrentCallers() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        try await stores[index % 2].acquireRateLimit(
                            key: "k",
                            limit: 10,
                            period: .seconds(60),
                            now: UnixMillis(1_000_000)
                        ) == nil
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(granted == 10)
        }
    }
}
