import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// What the operator's portal reads across apps: attempts per bucket of time, and each app's backlog.
@Suite struct ServiceOverviewTests {
    @Test(arguments: StoreBackend.all)
    func attemptsAreCountedInAlignedBucketsFromTheirStart(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (app, endpoint) = try await makeAppWithEndpoint(store)
            for (at, status) in [(59_999, 200), (60_000, 200), (119_999, 500), (120_000, 204), (120_001, 302)] {
                try await failOnce(store, app: app, to: endpoint, at: UnixMillis(Int64(at)), status: status)
            }
            // The attempt at 59 999 ms is before `since`; a 3xx is not a success.
            let counted = try await store.attemptCounts(since: UnixMillis(60_000), bucket: .seconds(60))
            #expect(
                counted == [
                    AttemptCount(start: UnixMillis(60_000), succeeded: 1, failed: 1),
                    AttemptCount(start: UnixMillis(120_000), succeeded: 1, failed: 1),
                ]
            )
            #expect(try await store.attemptCounts(since: UnixMillis(120_002), bucket: .seconds(60)).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.all)
    func eachAppsPendingDeliveriesAreCountedAndOnlyThose(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let busy = makeApp()
            let quiet = makeApp()
            let idle = makeApp()
            for app in [busy, quiet, idle] { try await store.insertApp(app) }
            let endpoint = try await makeEndpoint(store, app: busy).id
            // A finished delivery is not counted.
            try await failOnce(store, app: busy, to: endpoint, at: UnixMillis(1_000))
            for _ in 0..<3 {
                _ = try await publish(store, appID: busy.id, event: "card.funded", now: UnixMillis(2_000))
            }
            _ = try await publish(store, appID: quiet.id, now: UnixMillis(2_000))
            #expect(try await store.pendingDeliveryCounts() == [busy.id: 3, quiet.id: 1])
        }
    }
}
