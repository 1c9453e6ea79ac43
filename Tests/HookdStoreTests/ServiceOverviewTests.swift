import HookdCore
import HookdStore
import Testing

/// What the operator's portal reads across apps: attempts per bucket of time, and each app's backlog.
@Suite struct ServiceOverviewTests {
    @Test(arguments: StoreFactory.all)
    func attemptsAreCountedInAlignedBucketsFromTheirStart(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = makeApp()
        try await store.insertApp(app)
        let endpoint = try await EndpointHealthTests.endpoint(store, app: app).id
        for (at, status) in [(59_999, 200), (60_000, 200), (119_999, 500), (120_000, 204), (120_001, 302)] {
            try await EndpointHealthTests.failOnce(
                store,
                app: app,
                endpoint: endpoint,
                at: UnixMillis(Int64(at)),
                status: status,
                failingLimit: nil
            )
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

    @Test(arguments: StoreFactory.all)
    func eachAppsPendingDeliveriesAreCountedAndOnlyThose(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let busy = makeApp()
        let quiet = makeApp()
        let idle = makeApp()
        for app in [busy, quiet, idle] { try await store.insertApp(app) }
        let endpoint = try await EndpointHealthTests.endpoint(store, app: busy).id
        // A finished delivery is not counted.
        try await EndpointHealthTests.failOnce(
            store,
            app: busy,
            endpoint: endpoint,
            at: UnixMillis(1_000),
            failingLimit: nil
        )
        for _ in 0..<3 { _ = try await publish(store, appID: busy.id, event: "card.funded", now: UnixMillis(2_000)) }
        _ = try await publish(store, appID: quiet.id, now: UnixMillis(2_000))
        #expect(try await store.pendingDeliveryCounts() == [busy.id: 3, quiet.id: 1])
    }
}
