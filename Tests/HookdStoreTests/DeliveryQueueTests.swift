import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// How the delivery queue behaves, on every backend: the Postgres store must match the SQLite reference.
@Suite struct DeliveryQueueTests {
    @Test(arguments: StoreBackend.all)
    func aDeliveryGoesThroughClaimRetryAndSuccess(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let event = NewEvent(
                appID: app.id,
                eventID: Identifiers.eventID(),
                event: "card.created",
                data: Array("{}".utf8)
            )
            let published = try await store.publish(event, attemptsAllowed: 2, now: UnixMillis(1_000), lease: nil)
            #expect(published.created)
            let again = try await store.publish(event, attemptsAllowed: 2, now: UnixMillis(1_100), lease: nil)
            #expect(again.deliveryID == published.deliveryID && again.created == false)
            #expect(try await store.nextDueTime(caps: .unreached) == UnixMillis(1_000))
            #expect(try await store.claim(5, at: UnixMillis(999), until: UnixMillis(5_000)).isEmpty)

            let claim = try #require(try await store.claim(5, at: UnixMillis(1_000), until: UnixMillis(5_000)).first)
            #expect(claim.id == published.deliveryID)
            #expect(claim.data == Array("{}".utf8))
            #expect(claim.url == "https://a.example/")
            #expect(claim.sealedSecret == [1] && claim.secretVersion == 1)
            #expect(claim.attempts == 0 && claim.attemptsAllowed == 2)
            #expect(try await store.claim(5, at: UnixMillis(1_000), until: UnixMillis(5_000)).isEmpty)

            func attempt(_ number: Int, status: Int?, error: String?) -> DeliveryAttempt {
                DeliveryAttempt(
                    number: number,
                    startedAt: UnixMillis(1_000 * Int64(number)),
                    latency: .milliseconds(12),
                    httpStatus: status,
                    error: error,
                    responseBody: Array("body\(number)".utf8)
                )
            }
            let wrongLease = AttemptCompletion(
                deliveryID: claim.id,
                leaseID: "not-the-lease",
                attempt: attempt(1, status: 503, error: nil),
                status: .pending,
                nextAttemptAt: UnixMillis(3_000),
                secretVersion: 1
            )
            #expect(try await store.completeAttempt(wrongLease) == false)
            var retry = wrongLease
            retry.leaseID = claim.leaseID
            #expect(try await store.completeAttempt(retry))
            #expect(try await store.completeAttempt(retry) == false, "the lease ends with the attempt")
            #expect(try await store.nextDueTime(caps: .unreached) == UnixMillis(3_000))

            let second = try #require(try await store.claim(5, at: UnixMillis(3_000), until: UnixMillis(9_000)).first)
            #expect(second.attempts == 1)
            let failed = AttemptCompletion(
                deliveryID: claim.id,
                leaseID: second.leaseID,
                attempt: attempt(2, status: nil, error: "timeout"),
                status: .failed,
                nextAttemptAt: nil,
                secretVersion: 1
            )
            #expect(try await store.completeAttempt(failed))
            #expect(try await store.nextDueTime(caps: .unreached) == nil)

            let detail = try #require(try await store.delivery(appID: app.id, id: claim.id))
            #expect(detail.summary.status == .failed)
            #expect(detail.summary.nextAttemptAt == nil)
            #expect(detail.summary.attempts == 2)
            #expect(detail.summary.lastAttemptAt == UnixMillis(2_000))
            #expect(detail.summary.lastHTTPStatus == nil)
            #expect(
                detail.attempts == [attempt(1, status: 503, error: nil), attempt(2, status: nil, error: "timeout")]
            )

            guard
                case .requeued(let requeued) = try await store.requeueDelivery(
                    appID: app.id,
                    id: claim.id,
                    now: UnixMillis(10_000),
                    maximumManualRetries: 10
                )
            else {
                Issue.record("not requeued")
                return
            }
            #expect(requeued.status == .pending && requeued.nextAttemptAt == UnixMillis(10_000))
            #expect(requeued.attemptsAllowed == 3, "one more attempt than made")
            let third = try #require(try await store.claim(5, at: UnixMillis(10_000), until: UnixMillis(20_000)).first)
            var success = failed
            success.leaseID = third.leaseID
            success.attempt = attempt(3, status: 200, error: nil)
            success.status = .succeeded
            #expect(try await store.completeAttempt(success))
            let done = try #require(try await store.delivery(appID: app.id, id: claim.id))
            #expect(done.summary.status == .succeeded && done.summary.lastHTTPStatus == 200)
            #expect(done.attempts.map(\.number) == [1, 2, 3])
        }
    }

    @Test(arguments: StoreBackend.all)
    func testDeliveriesStayLeasedAndAppsWithoutAURLWait(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let test = try await publish(
                store,
                appID: app.id,
                now: UnixMillis(1_000),
                lease: (id: "lease-of-the-test", until: UnixMillis(4_000))
            )
            #expect(try await store.claim(5, at: UnixMillis(1_000), until: UnixMillis(9_000)).isEmpty)
            let held = try #require(try await store.claimedDelivery(id: test, leaseID: "lease-of-the-test"))
            #expect(held.id == test && held.url == "https://a.example/")
            #expect(try await store.claimedDelivery(id: test, leaseID: "another") == nil)
            #expect(try await store.delivery(appID: app.id, id: test)?.summary.isTest == true)

            try await store.setURL(nil, appID: app.id, secret: change([2]), at: UnixSeconds(2))
            let waiting = try await publish(store, appID: app.id, now: UnixMillis(1_500))
            #expect(
                try await store.nextDueTime(caps: .unreached) == nil,
                "no URL, nothing is due"
            )
            #expect(try await store.claim(5, at: UnixMillis(3_000), until: UnixMillis(9_000)).isEmpty)

            try await store.setURL("https://b.example/", appID: app.id, secret: change([3]), at: UnixSeconds(3))
            #expect(
                try await store.nextDueTime(caps: .unreached) == UnixMillis(1_500),
                "the test's lease runs until 4,000"
            )
            try await store.releaseAllLeases()
            #expect(try await store.nextDueTime(caps: .unreached) == UnixMillis(1_000))
            let claims = try await store.claim(5, at: UnixMillis(5_000), until: UnixMillis(9_000))
            #expect(claims.map(\.id) == [test, waiting], "oldest due first")
            #expect(claims.allSatisfy { $0.url == "https://b.example/" && $0.sealedSecret == [1] })
        }
    }
}
