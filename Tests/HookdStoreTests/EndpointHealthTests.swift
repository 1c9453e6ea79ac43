import HookdCore
import HookdStore
import Testing

/// How attempts count against an endpoint, and when one is disabled (SPEC §11), on every backend.
@Suite struct EndpointHealthTests {
    /// A v3.20 endpoint of `app` subscribed to `card.funded`.
    static func endpoint(_ store: any Store, app: App, rateLimit: Int? = nil) async throws -> Endpoint {
        let endpoint = Endpoint(
            id: Identifiers.webhookID(),
            appID: app.id,
            format: .v3_20,
            url: "https://a.example/",
            events: ["card.funded"],
            rateLimit: rateLimit,
            secretPrefix: "whsec_000000",
            sealedSecret: nil,
            createdAt: UnixSeconds(1),
            updatedAt: UnixSeconds(1)
        )
        _ = try await store.createEndpoint(endpoint, secret: change([1]), limit: 20)
        return endpoint
    }

    /// Publishes one event, claims its delivery to `endpoint`, and records a failed attempt answered `status`.
    static func failOnce(
        _ store: any Store,
        app: App,
        endpoint: EndpointID,
        at now: UnixMillis,
        status: Int = 500,
        failingLimit: UnixMillis?
    ) async throws {
        _ = try await store.publish(
            NewEvent(appID: app.id, eventID: Identifiers.eventID(), event: "card.funded", data: Array("{}".utf8)),
            attemptsAllowed: 1,
            now: now,
            lease: nil
        )
        let claim = try #require(
            try await store.claimDueDeliveries(
                limit: 10,
                caps: ClaimCaps(perApp: 10, perEndpoint: 10),
                now: now,
                leaseUntil: now + .seconds(60)
            )
            .first { $0.endpointID == endpoint }
        )
        let recorded = try await store.completeAttempt(
            AttemptCompletion(
                deliveryID: claim.id,
                leaseID: claim.leaseID,
                attempt: DeliveryAttempt(
                    number: 1,
                    startedAt: now,
                    latency: .milliseconds(5),
                    httpStatus: status,
                    error: nil,
                    responseBody: []
                ),
                status: .failed,
                nextAttemptAt: nil,
                secretVersion: claim.secretVersion,
                endpointFailingLimit: failingLimit
            )
        )
        #expect(recorded)
    }

    @Test(arguments: StoreFactory.all)
    func anEndpointFailingUntilTheLimitIsDisabledAndNotAMomentBefore(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = makeApp()
        try await store.insertApp(app)
        let endpoint = try await Self.endpoint(store, app: app).id

        // Failing since 1 000: a limit of 999 (failing since before it) is not reached, 1 000 is.
        try await Self.failOnce(store, app: app, endpoint: endpoint, at: UnixMillis(1_000), failingLimit: nil)
        try await Self.failOnce(
            store,
            app: app,
            endpoint: endpoint,
            at: UnixMillis(2_000),
            failingLimit: UnixMillis(999)
        )
        let stillActive = try #require(try await store.endpoint(appID: app.id, id: endpoint))
        #expect(stillActive.status == .active)
        #expect(stillActive.failureCount == 2)
        #expect(stillActive.failingSince == UnixMillis(1_000))
        #expect(stillActive.totalFailures == 2)

        try await Self.failOnce(
            store,
            app: app,
            endpoint: endpoint,
            at: UnixMillis(3_000),
            failingLimit: UnixMillis(1_000)
        )
        let disabled = try #require(try await store.endpoint(appID: app.id, id: endpoint))
        #expect(disabled.status == .disabled)
        #expect(disabled.disabledReason == .failing)
        #expect(disabled.totalDeliveries == 3)
        #expect(disabled.lastDeliveryStatus == "FAILED")
        #expect(disabled.lastDeliveryAt == UnixMillis(3_000))
    }

    @Test(arguments: StoreFactory.all)
    func a410DisablesAV3_20EndpointAtOnceButNeverTheV3URL(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = try await makeConfiguredApp(store)
        let endpoint = try await Self.endpoint(store, app: app).id
        try await Self.failOnce(
            store,
            app: app,
            endpoint: endpoint,
            at: UnixMillis(1_000),
            status: 410,
            failingLimit: nil
        )
        let gone = try #require(try await store.endpoint(appID: app.id, id: endpoint))
        #expect(gone.status == .disabled)
        #expect(gone.disabledReason == .gone)

        let v3 = Identifiers.v3WebhookID(appID: app.id)
        try await Self.failOnce(
            store,
            app: app,
            endpoint: v3,
            at: UnixMillis(2_000),
            status: 410,
            failingLimit: UnixMillis(5_000)
        )
        let v3URL = try #require(try await store.endpoint(appID: app.id, id: v3))
        #expect(v3URL.status == .active, "the v3 URL keeps its v3 contract: it is disabled only by PUT /webhooks")
        #expect(v3URL.failureCount == 1)
    }

    @Test(arguments: StoreFactory.all)
    func aSuccessEndsTheRunOfFailures(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = makeApp()
        try await store.insertApp(app)
        let endpoint = try await Self.endpoint(store, app: app).id
        try await Self.failOnce(store, app: app, endpoint: endpoint, at: UnixMillis(1_000), failingLimit: nil)
        _ = try await store.publish(
            NewEvent(appID: app.id, eventID: Identifiers.eventID(), event: "card.funded", data: Array("{}".utf8)),
            attemptsAllowed: 1,
            now: UnixMillis(2_000),
            lease: nil
        )
        let claim = try #require(
            try await store.claimDueDeliveries(
                limit: 1,
                caps: ClaimCaps(perApp: 1, perEndpoint: 1),
                now: UnixMillis(2_000),
                leaseUntil: UnixMillis(9_000)
            )
            .first
        )
        #expect(try await store.completeAttempt(FairClaimTests.success(claim, at: UnixMillis(2_000))))
        let healthy = try #require(try await store.endpoint(appID: app.id, id: endpoint))
        #expect(healthy.failureCount == 0)
        #expect(healthy.failingSince == nil)
        #expect(healthy.totalDeliveries == 2)
        #expect(healthy.totalFailures == 1)
        #expect(healthy.lastDeliveryStatus == "SUCCEEDED")
    }

    @Test(arguments: StoreFactory.all)
    func anEndpointsRateLimitHoldsItsClaimsToItsRate(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = makeApp()
        try await store.insertApp(app)
        let limited = try await Self.endpoint(store, app: app, rateLimit: 2).id
        let t0 = UnixMillis(10_000)
        for index in 0..<10 {
            _ = try await store.publish(
                NewEvent(appID: app.id, eventID: Identifiers.eventID(), event: "card.funded", data: Array("{}".utf8)),
                attemptsAllowed: 1,
                now: t0 + .milliseconds(Int64(index)),
                lease: nil
            )
        }
        func claim(at now: UnixMillis) async throws -> Int {
            try await store.claimDueDeliveries(
                limit: 64,
                caps: ClaimCaps(perApp: 64, perEndpoint: 64),
                now: now,
                leaseUntil: now + .seconds(60)
            )
            .filter { $0.endpointID == limited }.count
        }
        let later = t0 + .milliseconds(100)
        #expect(try await claim(at: later) == 2, "a second's burst at 2 per second")
        #expect(try await claim(at: later) == 0)
        // The next delivery is allowed one interval (500 ms) after the burst's arrival time less the burst.
        let next = try #require(try await store.nextDueTime(caps: ClaimCaps(perApp: 64, perEndpoint: 64)))
        #expect(next == later + .milliseconds(500), "\(next)")
        #expect(try await claim(at: later + .milliseconds(499)) == 0)
        #expect(try await claim(at: later + .milliseconds(500)) == 1)
        #expect(try await claim(at: later + .milliseconds(5_000)) == 2, "a pause earns no more than one second's burst")
    }
}
