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
        let endpoint = Endpoint(
            id: Identifiers.webhookID(),
            appID: appID,
            format: .v3_20,
            url: url,
            events: ["card.created"],
            secretPrefix: "whsec_000000",
            sealedSecret: nil,
            createdAt: UnixSeconds(1),
            updatedAt: UnixSeconds(1)
        )
        return try await store.createEndpoint(endpoint, secret: change([2]), limit: limit) ? endpoint.id : nil
    }

    /// An app with `endpoints` v3.20 endpoints and `events` events published to all of them, due from 1 s on.
    static func appWithBacklog(_ store: any Store, endpoints: Int, events: Int) async throws -> App {
        let app = makeApp()
        try await store.insertApp(app)
        for _ in 0..<endpoints { _ = try await addEndpoint(store, appID: app.id) }
        _ = try await FairClaimTests.backlog(store, appID: app.id, count: events, from: UnixMillis(1_000))
        return app
    }

    static func claim(
        _ store: any Store,
        limit: Int = 64,
        perApp: Int,
        perEndpoint: Int,
        at now: UnixMillis = UnixMillis(10_000)
    ) async throws -> [ClaimedDelivery] {
        try await store.claimDueDeliveries(
            limit: limit,
            caps: ClaimCaps(perApp: perApp, perEndpoint: perEndpoint),
            now: now,
            leaseUntil: now + .seconds(60)
        )
    }

    @Test(arguments: StoreFactory.all)
    func anAppWithManyEndpointsHoldsNoMoreThanItsCapInAll(factory: StoreFactory) async throws {
        try await factory.with { store in
            let greedy = try await Self.appWithBacklog(store, endpoints: 24, events: 20)
            let quiet = try await makeConfiguredApp(store)
            let fresh = try await publish(store, appID: quiet.id, now: UnixMillis(9_000))

            let first = try await Self.claim(store, perApp: 8, perEndpoint: 8)
            let greedyClaims = first.filter { $0.appID == greedy.id }
            #expect(greedyClaims.count == 8, "24 endpoints, one tenant: 8 in all")
            #expect(Set(greedyClaims.map(\.endpointID)).count == 8, "its endpoints take turns within its share")
            #expect(first.map(\.id).contains(fresh), "the quiet app is served in the same claim")
            #expect(try await Self.claim(store, perApp: 8, perEndpoint: 8).isEmpty, "at its cap, nothing more")
            #expect(
                try await store.nextDueTime(caps: ClaimCaps(perApp: 8, perEndpoint: 8)) == UnixMillis(70_000),
                "an app at its cap is not due; what can happen next is a lease running out"
            )

            #expect(try await store.completeAttempt(FairClaimTests.success(greedyClaims[0], at: UnixMillis(10_100))))
            let next = try await Self.claim(store, perApp: 8, perEndpoint: 8, at: UnixMillis(10_200))
            #expect(next.count == 1, "one attempt ended, one delivery more")
        }
    }

    @Test(arguments: StoreFactory.all)
    func anEndpointAtItsCapLeavesTheRestOfItsAppsShareToTheOthers(factory: StoreFactory) async throws {
        try await factory.with { store in
            let app = try await Self.appWithBacklog(store, endpoints: 3, events: 10)
            let claims = try await Self.claim(store, perApp: 6, perEndpoint: 2)
            #expect(claims.count == 6)
            #expect(Dictionary(grouping: claims, by: \.endpointID).values.map(\.count).sorted() == [2, 2, 2])
            #expect(claims.allSatisfy { $0.appID == app.id })
        }
    }

    @Test(arguments: StoreFactory.all)
    func anAppAloneTakesItsWholeCapInOneClaim(factory: StoreFactory) async throws {
        try await factory.with { store in
            let app = try await makeConfiguredApp(store)
            let ids = try await FairClaimTests.backlog(store, appID: app.id, count: 40, from: UnixMillis(1_000))
            let claims = try await Self.claim(store, limit: 64, perApp: 32, perEndpoint: 32)
            #expect(claims.map(\.id) == Array(ids[0..<32]), "work-conserving: its whole cap, oldest first")
        }
    }

    @Test(arguments: StoreFactory.all)
    func appsTakeTurnsBeforeTheirEndpointsDo(factory: StoreFactory) async throws {
        try await factory.with { store in
            let wide = try await Self.appWithBacklog(store, endpoints: 4, events: 5)
            let narrow = try await makeConfiguredApp(store)
            _ = try await FairClaimTests.backlog(store, appID: narrow.id, count: 20, from: UnixMillis(1_000))

            let claims = try await Self.claim(store, limit: 6, perApp: 32, perEndpoint: 32)
            let perApp = Dictionary(grouping: claims, by: \.appID)
            #expect(perApp[wide.id]?.count == 3, "an app with four endpoints gets a turn like one with one")
            #expect(perApp[narrow.id]?.count == 3)
            #expect(Set(perApp[wide.id]?.map(\.endpointID) ?? []).count == 3, "within its turns, its endpoints in turn")
        }
    }

    @Test(arguments: StoreFactory.all)
    func aSuspendedAppsDeliveriesWaitUntilItIsActiveAgain(factory: StoreFactory) async throws {
        try await factory.with { store in
            let app = try await makeConfiguredApp(store)
            let id = try await publish(store, appID: app.id, now: UnixMillis(1_000))
            _ = try await store.updateAppStatus(id: app.id, status: .suspended, retiringTokensBefore: nil)
            #expect(try await Self.claim(store, perApp: 8, perEndpoint: 8).isEmpty)
            #expect(try await store.nextDueTime(caps: ClaimCaps(perApp: 8, perEndpoint: 8)) == nil)
            #expect(try await store.delivery(appID: app.id, id: id)?.summary.status == .pending, "held, not failed")

            _ = try await store.updateAppStatus(id: app.id, status: .active, retiringTokensBefore: nil)
            #expect(try await Self.claim(store, perApp: 8, perEndpoint: 8).map(\.id) == [id])
        }
    }

    @Test(arguments: StoreFactory.all)
    func theStateReadBeforeSendingIsTheEndpointsAsItIsNow(factory: StoreFactory) async throws {
        try await factory.with { store in
            let app = makeApp()
            try await store.insertApp(app)
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

    @Test(arguments: StoreFactory.all)
    func anUnsentClaimGivenBackWaitsForItsEndpointAndGoesWhenItIsEnabled(factory: StoreFactory) async throws {
        try await factory.with { store in
            let app = makeApp()
            try await store.insertApp(app)
            let endpoint = try #require(try await Self.addEndpoint(store, appID: app.id))
            let id = try await publish(store, appID: app.id, now: UnixMillis(1_000))
            let claim = try #require(try await Self.claim(store, perApp: 8, perEndpoint: 8).first)
            _ = try await store.updateEndpoint(
                appID: app.id,
                id: endpoint,
                EndpointChange(enabled: false),
                now: UnixSeconds(11)
            )
            try await store.releaseUnsent([claim])
            try await store.releaseUnsent([claim])  // a second time changes nothing
            #expect(try await Self.claim(store, perApp: 8, perEndpoint: 8, at: UnixMillis(12_000)).isEmpty)
            let detail = try #require(try await store.delivery(appID: app.id, id: id))
            #expect(detail.summary.status == .pending)
            #expect(detail.attempts.isEmpty, "given back unsent: no attempt was made")

            _ = try await store.updateEndpoint(
                appID: app.id,
                id: endpoint,
                EndpointChange(enabled: true),
                now: UnixSeconds(13)
            )
            let again = try await Self.claim(store, perApp: 1, perEndpoint: 1, at: UnixMillis(13_000))
            #expect(again.map(\.id) == [id], "and its lease no longer counts against the caps")
        }
    }

    @Test(arguments: StoreFactory.all)
    func anAppHasAtMostItsLimitOfEndpointsEvenWhenCreatedAtOnce(factory: StoreFactory) async throws {
        try await factory.with { store in
            let app = makeApp()
            try await store.insertApp(app)
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
            _ = try await store.setWebhookURL(
                appID: app.id,
                url: "https://v3.example/",
                initialSecret: change([1]),
                now: UnixSeconds(3)
            )
            #expect(try await store.endpoints(appID: app.id, limit: 100, offset: 0).total == 6, "the v3 URL is apart")
        }
    }
}

/// The caps hold across processes sharing one PostgreSQL database.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
struct SharedTenantTurnsTests {
    @Test func claimersInTwoProcessesNeverTakeAnAppWithManyEndpointsPastItsCap() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            var apps: [App] = []
            for _ in 0..<3 {
                apps.append(try await TenantTurnsTests.appWithBacklog(stores[0], endpoints: 6, events: 10))
            }
            let claims = try await withThrowingTaskGroup(of: [ClaimedDelivery].self) { group in
                for claimer in 0..<8 {
                    let store = stores[claimer % 2]
                    group.addTask {
                        var mine: [ClaimedDelivery] = []
                        for _ in 0..<20 {
                            mine += try await TenantTurnsTests.claim(store, limit: 4, perApp: 7, perEndpoint: 2)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [ClaimedDelivery]()) { $0 += $1 }
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
