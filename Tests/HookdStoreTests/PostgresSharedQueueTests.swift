import HookdCore
import HookdStore
import HookdTestSupport
import PostgresNIO
import Testing

/// The delivery queue shared by several processes on one PostgreSQL database: claims skip what another holds,
/// never share a delivery, keep each queue's lease count, and an expired lease is claimed again.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
struct PostgresSharedQueueTests {
    @Test func claimersSkipDeliveriesAnotherClaimerHasLocked() async throws {
        try await PostgresTestDatabase.withStores { stores, schema in
            let store = stores[0]
            let app = try await makeConfiguredApp(store)
            let first = try await publish(store, appID: app.id, now: UnixMillis(1_000))
            let second = try await publish(store, appID: app.id, now: UnixMillis(1_001))
            let third = try await publish(store, appID: app.id, now: UnixMillis(1_002))

            let logger = PostgresTestDatabase.logger
            let claimed = try await schema.withConnection { other in
                // Another process is in the middle of claiming the oldest delivery.
                try await other.query("BEGIN", logger: logger).consumeAll()
                try await other.query("SELECT id FROM deliveries WHERE id = \(first) FOR UPDATE", logger: logger)
                    .consumeAll()
                // Waiting for that lock would fail on the store's lock_timeout; skipping it returns the others now.
                let claimed = try await store.claim(10, at: UnixMillis(2_000), until: UnixMillis(9_000))
                try await other.query("ROLLBACK", logger: logger).consumeAll()
                return claimed
            }
            #expect(claimed.map(\.id) == [second, third])

            let rest = try await store.claim(10, at: UnixMillis(2_000), until: UnixMillis(9_000))
            #expect(rest.map(\.id) == [first])
        }
    }

    @Test func concurrentClaimersFromTwoProcessesNeverShareADelivery() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let app = try await makeConfiguredApp(stores[0])
            var published: [DeliveryID] = []
            for index in 0..<60 {
                published.append(
                    try await publish(stores[index % 2], appID: app.id, now: UnixMillis(1_000) + .milliseconds(index))
                )
            }
            let claims = try await claimConcurrently(on: stores, rounds: 1) { store in
                try await claimUntilEmpty(store, limit: 3) { $0 }
            }
            #expect(claims.count == published.count, "every delivery claimed exactly once")
            #expect(Set(claims.map(\.id)) == Set(published))
            for claim in claims {
                #expect(
                    try await stores[1].completeAttempt(.attempt(on: claim, at: UnixMillis(5_000))),
                    "each claim holds its delivery's lease"
                )
            }
        }
    }

    /// The dispatcher's pool at its smallest (`dispatch_pool_size=1`): publishes, claims and records made all at
    /// once take turns on its one connection, and every delivery is still claimed once and recorded.
    @Test func withOneDispatchConnectionPublishesClaimsAndRecordsTakeTurns() async throws {
        let oneDispatchConnection: (inout PostgresStore.Configuration) -> Void = { $0.dispatchConnections = 1 }
        try await PostgresTestDatabase.withStore(adjust: oneDispatchConnection) { store in
            let app = try await makeConfiguredApp(store)
            let published = try await withThrowingTaskGroup(of: DeliveryID.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        try await publish(store, appID: app.id, now: UnixMillis(1_000) + .milliseconds(index))
                    }
                }
                return try await group.reduce(into: Set<DeliveryID>()) { $0.insert($1) }
            }
            let recorded = try await withThrowingTaskGroup(of: [DeliveryID].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await claimUntilEmpty(store, limit: 5) { batch in
                            let done = try await store.completeAttempts(
                                batch.map { .attempt(on: $0, at: UnixMillis(5_000)) }
                            )
                            return zip(batch, done).filter(\.1).map(\.0.id)
                        }
                    }
                }
                return try await group.reduce(into: [DeliveryID]()) { $0 += $1 }
            }
            #expect(published.count == 30)
            #expect(recorded.count == 30 && Set(recorded) == published, "each delivery claimed and recorded once")
        }
    }

    /// Claims check the in-flight limit on each endpoint's queue row (`leased`, less the releases appended to
    /// `lease_releases` and not folded yet), kept by the statements that lease and release: it must agree with the leased rows after every
    /// statement that leases or releases.
    @Test func eachAppsLeaseCountFollowsEveryLeaseAndRelease() async throws {
        try await PostgresTestDatabase.withStores { stores, schema in
            let store = stores[0]
            let apps = [try await makeConfiguredApp(store), try await makeConfiguredApp(store)]
            @Sendable func expectCountsAgree(_ step: Comment) async throws {
                let rows = try await schema.withConnection { connection in
                    try await connection.query(
                        """
                        SELECT q.endpoint_id,
                               q.leased - COALESCE((SELECT sum(r.released)::integer FROM lease_releases r
                                                    WHERE r.endpoint_id = q.endpoint_id), 0),
                               (SELECT count(*)::integer FROM deliveries d
                                WHERE d.endpoint_id = q.endpoint_id AND d.lease_id IS NOT NULL)
                        FROM delivery_queues q ORDER BY q.endpoint_id
                        """,
                        logger: PostgresTestDatabase.logger
                    ).collect().map { row in try row.decode((String, Int, Int).self) }
                }
                #expect(!rows.isEmpty, step)
                for (endpointID, counted, actual) in rows {
                    #expect(counted == actual, "\(step): \(endpointID) counts \(counted) leases, holds \(actual)")
                }
            }
            for index in 0..<6 {
                _ = try await publish(store, appID: apps[index % 2].id, now: UnixMillis(1_000) + .milliseconds(index))
            }
            _ = try await publish(
                store,
                appID: apps[1].id,
                now: UnixMillis(1_010),
                lease: (id: "lease-publisher", until: UnixMillis(5_000))
            )
            try await expectCountsAgree("a delivery leased by its publisher")

            let claimed = try await store.claim(10, caps: .each(2), at: UnixMillis(2_000), until: UnixMillis(4_000))
            #expect(claimed.filter { $0.appID == apps[0].id }.count == 2, "the first app up to its limit")
            #expect(claimed.filter { $0.appID == apps[1].id }.count == 1, "the second app had one leased already")
            try await expectCountsAgree("claimed")

            _ = try await store.completeAttempt(.attempt(on: claimed[0], at: UnixMillis(2_100)))
            try await expectCountsAgree("one attempt recorded")
            _ = try await store.completeAttempts(
                claimed.dropFirst().map { .attempt(on: $0, at: UnixMillis(2_200)) }
            )
            try await expectCountsAgree("a batch of attempts recorded")

            let again = try await store.claim(10, caps: .each(2), at: UnixMillis(3_000), until: UnixMillis(4_000))
            #expect(!again.isEmpty)
            try await expectCountsAgree("claimed again")
            // The publisher's lease and the second claim's leases run out, and the claim that finds them re-leases.
            let revived = try await store.claim(10, caps: .each(2), at: UnixMillis(6_000), until: UnixMillis(9_000))
            #expect(!revived.isEmpty)
            try await expectCountsAgree("expired leases released and claimed again")

            let endpoint = try await makeEndpoint(store, app: apps[0])
            _ = try await publish(store, appID: apps[0].id, event: "card.funded", now: UnixMillis(6_100))
            let toEndpoint = try await store.claim(10, caps: .each(5), at: UnixMillis(6_200), until: UnixMillis(9_000))
            #expect(toEndpoint.contains { $0.endpointID == endpoint.id }, "a delivery to the new endpoint leased")
            #expect(try await store.deleteEndpoint(appID: apps[0].id, id: endpoint.id, now: UnixSeconds(7)))
            try await expectCountsAgree("an endpoint deleted with a delivery leased")

            try await store.releaseAllLeases()
            try await expectCountsAgree("every lease released")
        }
    }

    /// An attempt's record appends its release instead of updating the endpoint's queue row, so it never waits for
    /// a claimer holding that row; the next claim folds the release in and finds exactly the room it freed.
    @Test func anAttemptsRecordNeverWaitsForAClaimerHoldingItsQueueRow() async throws {
        try await PostgresTestDatabase.withStores { stores, schema in
            let store = stores[0]
            let app = try await makeConfiguredApp(store)
            for index in 0..<3 {
                _ = try await publish(store, appID: app.id, now: UnixMillis(1_000) + .milliseconds(index))
            }
            let claimed = try await store.claim(10, caps: .each(2), at: UnixMillis(2_000), until: UnixMillis(60_000))
            #expect(claimed.count == 2, "up to the limit")
            let recorded = try await schema.withConnection { connection in
                try await connection.query("BEGIN", logger: PostgresTestDatabase.logger).consumeAll()
                // What a claimer holds while it leases: every queue row, until it commits.
                try await connection.query(
                    "SELECT endpoint_id FROM delivery_queues FOR UPDATE",
                    logger: PostgresTestDatabase.logger
                ).consumeAll()
                // The store's session gives up waiting for a lock after its lock timeout: this must not wait.
                let recorded = try await store.completeAttempt(
                    .attempt(on: claimed[0], at: UnixMillis(2_100))
                )
                try await connection.query("ROLLBACK", logger: PostgresTestDatabase.logger).consumeAll()
                return recorded
            }
            #expect(recorded, "recorded while a claimer held the queue row")
            let next = try await store.claim(10, caps: .each(2), at: UnixMillis(2_200), until: UnixMillis(60_000))
            #expect(next.count == 1, "the one slot the record freed, and no more")
            #expect(
                try await store.claim(10, caps: .each(2), at: UnixMillis(2_300), until: UnixMillis(60_000))
                    .isEmpty,
                "the limit holds once the release is folded"
            )
        }
    }

    @Test func anExpiredLeaseIsClaimedAgainAndTheOldLeaseCanNoLongerComplete() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let app = try await makeConfiguredApp(stores[0])
            let id = try await publish(stores[0], appID: app.id, now: UnixMillis(1_000))
            let dead = try #require(
                try await stores[0].claim(10, at: UnixMillis(1_000), until: UnixMillis(2_000)).first
            )
            #expect(
                try await stores[1].claim(10, at: UnixMillis(1_999), until: UnixMillis(3_000))
                    .isEmpty
            )
            #expect(
                try await stores[1].nextDueTime(caps: .unreached) == UnixMillis(2_000),
                "due again when the lease runs out"
            )

            let revived = try #require(
                try await stores[1].claim(10, at: UnixMillis(2_000), until: UnixMillis(3_000)).first
            )
            #expect(revived.id == id)
            #expect(revived.leaseID != dead.leaseID)

            func completion(_ lease: LeaseID) -> AttemptCompletion {
                AttemptCompletion(
                    deliveryID: id,
                    leaseID: lease,
                    attempt: DeliveryAttempt(
                        number: 1,
                        startedAt: UnixMillis(2_000),
                        latency: .milliseconds(1),
                        httpStatus: 500,
                        error: nil,
                        responseBody: Array("no".utf8)
                    ),
                    status: .pending,
                    nextAttemptAt: UnixMillis(7_000),
                    secretVersion: 1
                )
            }
            #expect(try await stores[0].completeAttempt(completion(dead.leaseID)) == false)
            #expect(try await stores[0].delivery(appID: app.id, id: id)?.attempts.isEmpty == true)
            #expect(try await stores[1].completeAttempt(completion(revived.leaseID)))
            let detail = try #require(try await stores[0].delivery(appID: app.id, id: id))
            #expect(detail.attempts.map(\.httpStatus) == [500])
            #expect(detail.summary.nextAttemptAt == UnixMillis(7_000))
        }
    }

    @Test func publishingTheSameEventFromManyProcessesCreatesOneDelivery() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let app = try await makeConfiguredApp(stores[0])
            let event = NewEvent(appID: app.id, eventID: Identifiers.eventID(), event: "card.created", data: [1])
            let results = try await withThrowingTaskGroup(of: (deliveryID: DeliveryID, created: Bool).self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await stores[index % 2].publish(
                            event,
                            attemptsAllowed: 3,
                            now: UnixMillis(1_000),
                            lease: nil
                        )
                    }
                }
                return try await group.reduce(into: [(deliveryID: DeliveryID, created: Bool)]()) { $0.append($1) }
            }
            #expect(results.filter(\.created).count == 1)
            #expect(Set(results.map(\.deliveryID)).count == 1)
            #expect(
                try await stores[0].deliveries(appID: app.id, status: nil, event: nil, limit: 10, offset: 0).total == 1
            )
        }
    }
}
