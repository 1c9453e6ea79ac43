import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// How a claim shares the delivery slots between tenants (SPEC §13), on every backend: apps take turns, then an
/// app's endpoints; an app never holds more than its cap however many endpoints it has, an endpoint never more than
/// its own; and what nobody else waits for is taken.
@Suite struct TenantTurnsTests {
    /// A v3.20 endpoint of `appID`, subscribed to `card.created`, at `url`.
    static func addEndpoint(
        _ store: any Store,
        appID: AppID,
        url: String = "https://b.example/",
        limit: Int = 100
    ) async throws -> EndpointID? {
        let endpoint = Endpoint.v3_20(appID: appID, url: url, events: ["card.created"])
        return try await store.createEndpoint(endpoint, secret: change([2]), limit: limit) ? endpoint.id : nil
    }

    /// An app with `endpoints` v3.20 endpoints and `events` events published to all of them, due from 1 s on.
    static func appWithBacklog(_ store: any Store, endpoints: Int, events: Int) async throws -> App {
        let app = try await makeStoredApp(store)
        for _ in 0..<endpoints { _ = try await addEndpoint(store, appID: app.id) }
        _ = try await publishBacklog(store, appID: app.id, count: events, from: UnixMillis(1_000))
        return app
    }

    @Test(arguments: StoreBackend.all)
    func anAppWithManyEndpointsHoldsNoMoreThanItsCapInAll(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let greedy = try await Self.appWithBacklog(store, endpoints: 24, events: 20)
            let quiet = try await makeConfiguredApp(store)
            let fresh = try await publish(store, appID: quiet.id, now: UnixMillis(9_000))

            let first = try await store.claim(64, caps: .each(8), at: UnixMillis(10_000))
            let greedyClaims = first.filter { $0.appID == greedy.id }
            #expect(greedyClaims.count == 8, "24 endpoints, one tenant: 8 in all")
            #expect(Set(greedyClaims.map(\.endpointID)).count == 8, "its endpoints take turns within its share")
            #expect(first.map(\.id).contains(fresh), "the quiet app is served in the same claim")
            #expect(
                try await store.claim(64, caps: .each(8), at: UnixMillis(10_000)).isEmpty,
                "at its cap, nothing more"
            )
            #expect(
                try await store.nextDueTime(caps: .each(8)) == UnixMillis(70_000),
                "an app at its cap is not due; what can happen next is a lease running out"
            )

            #expect(try await store.completeAttempt(.attempt(on: greedyClaims[0], at: UnixMillis(10_100))))
            let next = try await store.claim(64, caps: .each(8), at: UnixMillis(10_200))
            #expect(next.count == 1, "one attempt ended, one delivery more")
        }
    }

    @Test(arguments: StoreBackend.all)
    func anEndpointAtItsCapLeavesTheRestOfItsAppsShareToTheOthers(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await Self.appWithBacklog(store, endpoints: 3, events: 10)
            let claims = try await store.claim(64, caps: ClaimCaps(perApp: 6, perEndpoint: 2), at: UnixMillis(10_000))
            #expect(claims.count == 6)
            #expect(Dictionary(grouping: claims, by: \.endpointID).values.map(\.count).sorted() == [2, 2, 2])
            #expect(claims.allSatisfy { $0.appID == app.id })
        }
    }

    @Test(arguments: StoreBackend.all)
    func anAppAloneTakesItsWholeCapInOneClaim(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let ids = try await publishBacklog(store, appID: app.id, count: 40, from: UnixMillis(1_000))
            let claims = try await store.claim(64, caps: .each(32), at: UnixMillis(10_000))
            #expect(claims.map(\.id) == Array(ids[0..<32]), "work-conserving: its whole cap, oldest first")
        }
    }

    @Test(arguments: StoreBackend.all)
    func appsTakeTurnsBeforeTheirEndpointsDo(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let wide = try await Self.appWithBacklog(store, endpoints: 4, events: 5)
            let narrow = try await makeConfiguredApp(store)
            _ = try await publishBacklog(store, appID: narrow.id, count: 20, from: UnixMillis(1_000))

            let claims = try await store.claim(6, caps: .each(32), at: UnixMillis(10_000))
            let perApp = Dictionary(grouping: claims, by: \.appID)
            #expect(perApp[wide.id]?.count == 3, "an app with four endpoints gets a turn like one with one")
            #expect(perApp[narrow.id]?.count == 3)
            #expect(Set(perApp[wide.id]?.map(\.endpointID) ?? []).count == 3, "within its turns, its endpoints in turn")
        }
    }

    @Test(arguments: StoreBackend.all)
    func aSuspendedAppsDeliveriesWaitUntilItIsActiveAgain(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let id = try await publish(store, appID: app.id, now: UnixMillis(1_000))
            _ = try await store.updateAppStatus(id: app.id, status: .suspended, retiringTokensBefore: nil)
            #expect(try await store.claim(64, caps: .each(8), at: UnixMillis(10_000)).isEmpty)
            #expect(try await store.nextDueTime(caps: .each(8)) == nil)
            #expect(try await store.delivery(appID: app.id, id: id)?.summary.status == .pending, "held, not failed")

            _ = try await store.updateAppStatus(id: app.id, status: .active, retiringTokensBefore: nil)
            #expect(try await store.claim(64, caps: .each(8), at: UnixMillis(10_000)).map(\.id) == [id])
        }
    }

    @Test(arguments: StoreBackend.all)
    func theStateReadBeforeSendingIsTheEndpointsAsItIsNow(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            let kept = try #require(try await Self.addEndpoint(store, appID: app.id, url: "https://kept.example/"))
            let moved = try #require(try await Self.addEndpoint(store, appID: app.id))
            let disabled = try #require(try await Self.addEndpoint(store, appID: app.id))
            let deleted = try #require(try await Self.addEndpoint(store, appID: app.id))
            _ = try await store.updateEndpoint(
                appID: app.id,
                id: moved,
                EndpointChange(url: "https://moved.example/"),
                now: UnixSeconds(2)
            )
            _ = try await store.updateEndpoint(
                appID: app.id,
                id: disabled,
                EndpointChange(enabled: false),
                now: UnixSeconds(2)
            )
            _ = try await store.deleteEndpoint(appID: app.id, id: deleted, now: UnixSeconds(2))

            let states = try await store.sendingStates(endpointIDs: [kept, moved, disabled, deleted, "whk_NONE"])
            guard case .sendable(let keptTarget) = states[kept], case .sendable(let movedTarget) = states[moved]
            else {
                Issue.record("\(states)")
                return
            }
            #expect(keptTarget.url == "https://kept.example/")
            #expect(keptTarget.sealedSecret == [2])
            #expect(keptTarget.businessID == app.businessID)
            #expect(movedTarget.url == "https://moved.example/")
            #expect(states[disabled] == .held)
            #expect(states[deleted] == .gone)
            #expect(states["whk_NONE"] == .gone)

            _ = try await store.updateAppStatus(id: app.id, status: .suspended, retiringTokensBefore: nil)
            #expect(try await store.sendingStates(endpointIDs: [kept])[kept] == .held, "a suspended app sends nothing")
        }
    }

    @Test(arguments: StoreBackend.all)
    func anUnsentClaimGivenBackWaitsForItsEndpointAndGoesWhenItIsEnabled(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            let endpoint = try #require(try await Self.addEndpoint(store, appID: app.id))
            let id = try await publish(store, appID: app.id, now: UnixMillis(1_000))
            let claim = try #require(try await store.claim(64, caps: .each(8), at: UnixMillis(10_000)).first)
            _ = try await store.updateEndpoint(
                appID: app.id,
                id: endpoint,
                EndpointChange(enabled: false),
                now: UnixSeconds(11)
            )
            try await store.releaseUnsent([claim])
            try await store.releaseUnsent([claim])  // a second time changes nothing
            #expect(try await store.claim(64, caps: .each(8), at: UnixMillis(12_000)).isEmpty)
            let detail = try #require(try await store.delivery(appID: app.id, id: id))
            #expect(detail.summary.status == .pending)
            #expect(detail.attempts.isEmpty, "given back unsent: no attempt was made")

            _ = try await store.updateEndpoint(
                appID: app.id,
                id: endpoint,
                EndpointChange(enabled: true),
                now: UnixSeconds(13)
            )
            let again = try await store.claim(64, caps: .each(1), at: UnixMillis(13_000))
            #expect(again.map(\.id) == [id], "and its lease no longer counts against the caps")
        }
    }

    @Test(arguments: StoreBackend.all)
    func anAppHasAtMostItsLimitOfEndpointsEvenWhenCreatedAtOnce(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            let created = try await withThrowingTaskGroup(of: EndpointID?.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await Self.addEndpoint(store, appID: app.id, limit: 5) }
                }
                return try await group.reduce(into: [EndpointID]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(created.count == 5, "twelve at once, five created")
            #expect(try await Self.addEndpoint(store, appID: app.id, limit: 5) == nil)
            _ = try await store.deleteEndpoint(appID: app.id, id: created[0], now: UnixSeconds(2))
            #expect(try await Self.addEndpoint(store, appID: app.id, limit: 5) != nil, "a deleted one frees its place")
            try await store.setURL("https://v3.example/", appID: app.id, secret: change([1]), at: UnixSeconds(3))
            #expect(try await store.endpoints(appID: app.id, limit: 100, offset: 0).total == 6, "the v3 URL is apart")
        }
    }
}

/// The caps hold across processes sharing one PostgreSQL database.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
struct SharedTenantTurnsTests {
    @Test func claimersInTwoProcessesNeverTakeAnAppWithManyEndpointsPastItsCap() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let apps = try await makeApps(3) {
                try await TenantTurnsTests.appWithBacklog(stores[0], endpoints: 6, events: 10)
            }
            let claims = try await claimConcurrently(on: stores, rounds: 20) { store in
                try await store.claim(4, caps: ClaimCaps(perApp: 7, perEndpoint: 2), at: UnixMillis(10_000))
            }
            let perApp = Dictionary(grouping: claims, by: \.appID).mapValues(\.count)
            #expect(perApp == Dictionary(uniqueKeysWithValues: apps.map { ($0.id, 7) }), "exactly the cap, each")
            let perEndpoint = Dictionary(grouping: claims, by: \.endpointID).mapValues(\.count)
            #expect(perEndpoint.values.allSatisfy { $0 <= 2 }, "\(perEndpoint)")
            #expect(Set(claims.map(\.id)).count == claims.count, "no delivery claimed twice")
        }
    }

    @Test func dispatchersSharingTheQueueAreCountedWhileTheyAreHeardFrom() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let (a, b) = (stores[0], stores[1])
            #expect(
                try await a.dispatchersSharingQueue(id: "dsp_a", now: UnixMillis(10_000), aliveSince: .init(0)) == 1
            )
            #expect(
                try await b.dispatchersSharingQueue(id: "dsp_b", now: UnixMillis(11_000), aliveSince: .init(0)) == 2
            )
            #expect(
                try await a.dispatchersSharingQueue(id: "dsp_a", now: UnixMillis(12_000), aliveSince: .init(0)) == 2
            )
            #expect(
                try await b.dispatchersSharingQueue(id: "dsp_b", now: UnixMillis(30_000), aliveSince: .init(15_000))
                    == 1,
                "a dispatcher not heard from within the window is forgotten"
            )
            #expect(
                try await a.dispatchersSharingQueue(id: "dsp_a", now: UnixMillis(31_000), aliveSince: .init(16_000))
                    == 2
            )
            try await b.leaveQueue(dispatcherID: "dsp_b")
            #expect(
                try await a.dispatchersSharingQueue(id: "dsp_a", now: UnixMillis(32_000), aliveSince: .init(17_000))
                    == 1,
                "one that left is not counted"
            )
        }
    }
}
