import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// How attempts count against an endpoint, and when one is disabled (SPEC §11), on every backend.
@Suite struct EndpointHealthTests {
    @Test(arguments: StoreBackend.all)
    func anEndpointFailingUntilTheLimitIsDisabledAndNotAMomentBefore(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (app, endpoint) = try await makeAppWithEndpoint(store)

            // Failing since 1 000: a limit of 999 (failing since before it) is not reached, 1 000 is.
            try await failOnce(store, app: app, to: endpoint, at: UnixMillis(1_000))
            try await failOnce(store, app: app, to: endpoint, at: UnixMillis(2_000), failingLimit: UnixMillis(999))
            let stillActive = try #require(try await store.endpoint(appID: app.id, id: endpoint))
            #expect(stillActive.status == .active)
            #expect(stillActive.failureCount == 2)
            #expect(stillActive.failingSince == UnixMillis(1_000))
            #expect(stillActive.totalFailures == 2)

            try await failOnce(store, app: app, to: endpoint, at: UnixMillis(3_000), failingLimit: UnixMillis(1_000))
            let disabled = try #require(try await store.endpoint(appID: app.id, id: endpoint))
            #expect(disabled.status == .disabled)
            #expect(disabled.disabledReason == .failing)
            #expect(disabled.totalDeliveries == 3)
            #expect(disabled.lastDeliveryStatus == "FAILED")
            #expect(disabled.lastDeliveryAt == UnixMillis(3_000))
        }
    }

    @Test(arguments: StoreBackend.all)
    func a410DisablesAV3_20EndpointAtOnceButNeverTheV3URL(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let endpoint = try await makeEndpoint(store, app: app).id
            try await failOnce(store, app: app, to: endpoint, at: UnixMillis(1_000), status: 410)
            let gone = try #require(try await store.endpoint(appID: app.id, id: endpoint))
            #expect(gone.status == .disabled)
            #expect(gone.disabledReason == .gone)

            let v3 = Identifiers.v3WebhookID(appID: app.id)
            try await failOnce(
                store,
                app: app,
                to: v3,
                at: UnixMillis(2_000),
                status: 410,
                failingLimit: UnixMillis(5_000)
            )
            let v3URL = try #require(try await store.endpoint(appID: app.id, id: v3))
            #expect(v3URL.status == .active, "the v3 URL keeps its v3 contract: it is disabled only by PUT /webhooks")
            #expect(v3URL.failureCount == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aSuccessEndsTheRunOfFailures(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (app, endpoint) = try await makeAppWithEndpoint(store)
            try await failOnce(store, app: app, to: endpoint, at: UnixMillis(1_000))
            _ = try await store.publish(
                NewEvent(appID: app.id, eventID: Identifiers.eventID(), event: "card.funded", data: Array("{}".utf8)),
                attemptsAllowed: 1,
                now: UnixMillis(2_000),
                lease: nil
            )
            let claim = try #require(
                try await store.claim(1, caps: .each(1), at: UnixMillis(2_000), until: UnixMillis(9_000))
                    .first
            )
            #expect(try await store.completeAttempt(.attempt(on: claim, at: UnixMillis(2_000))))
            let healthy = try #require(try await store.endpoint(appID: app.id, id: endpoint))
            #expect(healthy.failureCount == 0)
            #expect(healthy.failingSince == nil)
            #expect(healthy.totalDeliveries == 2)
            #expect(healthy.totalFailures == 1)
            #expect(healthy.lastDeliveryStatus == "SUCCEEDED")
        }
    }

    @Test(arguments: StoreBackend.all)
    func anEndpointsRateLimitHoldsItsClaimsToItsRate(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (app, limited) = try await makeAppWithEndpoint(store, rateLimit: 2)
            let t0 = UnixMillis(10_000)
            for index in 0..<10 {
                _ = try await store.publish(
                    NewEvent(
                        appID: app.id,
                        eventID: Identifiers.eventID(),
                        event: "card.funded",
                        data: Array("{}".utf8)
                    ),
                    attemptsAllowed: 1,
                    now: t0 + .milliseconds(Int64(index)),
                    lease: nil
                )
            }
            func claim(at now: UnixMillis) async throws -> Int {
                try await store.claim(64, caps: .each(64), at: now)
                    .filter { $0.endpointID == limited }.count
            }
            let later = t0 + .milliseconds(100)
            #expect(try await claim(at: later) == 2, "a second's burst at 2 per second")
            #expect(try await claim(at: later) == 0)
            // The next delivery is allowed one interval (500 ms) after the burst's arrival time less the burst.
            let next = try #require(try await store.nextDueTime(caps: .each(64)))
            #expect(next == later + .milliseconds(500), "\(next)")
            #expect(try await claim(at: later + .milliseconds(499)) == 0)
            #expect(try await claim(at: later + .milliseconds(500)) == 1)
            #expect(
                try await claim(at: later + .milliseconds(5_000)) == 2,
                "a pause earns no more than one second's burst"
            )
        }
    }
}
