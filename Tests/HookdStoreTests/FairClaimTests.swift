import HookdCore
import HookdStore
import HookdTestSupport
import Testing

@testable import HookdStore

/// Claims share the dispatcher's slots fairly between apps, on every backend (DESIGN.md, "Isolation").
@Suite struct FairClaimTests {
    /// Publishes `count` deliveries for `appID`, due from `now` on, one millisecond apart.
    static func backlog(
        _ store: any DeliveryQueue,
        appID: AppID,
        count: Int,
        from now: UnixMillis
    ) async throws -> [DeliveryID] {
        let events = (0..<count).map { index in
            NewEvent(appID: appID, eventID: Identifiers.eventID(), event: "card.created", data: Array("{}".utf8))
        }
        var ids: [DeliveryID] = []
        for (index, event) in events.enumerated() {
            ids.append(
                try await store.publish(event, attemptsAllowed: 3, now: now + .milliseconds(index), lease: nil)
                    .deliveryID
            )
        }
        return ids
    }

    /// A successful attempt that ends `claim`'s lease.
    static func success(_ claim: ClaimedDelivery, at now: UnixMillis) -> AttemptCompletion {
        AttemptCompletion(
            deliveryID: claim.id,
            leaseID: claim.leaseID,
            attempt: DeliveryAttempt(
                number: claim.attempts + 1,
                startedAt: now,
                latency: .milliseconds(1),
                httpStatus: 200,
                error: nil,
                responseBody: []
            ),
            status: .succeeded,
            nextAttemptAt: nil,
            secretVersion: claim.secretVersion
        )
    }

    @Test(arguments: StoreFactory.all)
    func anotherAppsBacklogDoesNotHoldBackAFreshDelivery(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let busy = try await makeConfiguredApp(store)
        let quiet = try await makeConfiguredApp(store)
        _ = try await Self.backlog(store, appID: busy.id, count: 300, from: UnixMillis(1_000))
        let fresh = try await publish(store, appID: quiet.id, now: UnixMillis(9_000))

        let claims = try await store.claimDueDeliveries(
            limit: 10,
            caps: ClaimCaps(perApp: 8, perEndpoint: 8),
            now: UnixMillis(9_000),
            leaseUntil: UnixMillis(60_000)
        )
        #expect(claims.contains { $0.id == fresh }, "the quiet app's delivery goes in the first claim")
        #expect(claims.filter { $0.appID == busy.id }.count == 8, "the busy app gets its limit, not every slot")
    }

    @Test(arguments: StoreFactory.all)
    func anAppAtItsLimitGetsNothingMoreUntilAnAttemptEnds(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = try await makeConfiguredApp(store)
        let ids = try await Self.backlog(store, appID: app.id, count: 20, from: UnixMillis(1_000))

        let first = try await store.claimDueDeliveries(
            limit: 5,
            caps: ClaimCaps(perApp: 8, perEndpoint: 8),
            now: UnixMillis(2_000),
            leaseUntil: UnixMillis(60_000)
        )
        let second = try await store.claimDueDeliveries(
            limit: 5,
            caps: ClaimCaps(perApp: 8, perEndpoint: 8),
            now: UnixMillis(2_000),
            leaseUntil: UnixMillis(60_000)
        )
        let third = try await store.claimDueDeliveries(
            limit: 5,
            caps: ClaimCaps(perApp: 8, perEndpoint: 8),
            now: UnixMillis(2_000),
            leaseUntil: UnixMillis(60_000)
        )
        #expect(first.map(\.id) == Array(ids[0..<5]), "oldest due first")
        #expect(second.map(\.id) == Array(ids[5..<8]), "three more reach the limit of eight")
        #expect(third.isEmpty)
        #expect(
            try await store.nextDueTime(caps: ClaimCaps(perApp: 8, perEndpoint: 8)) == UnixMillis(60_000),
            "an app at its limit is not due; the next thing that can happen is a lease running out"
        )

        #expect(try await store.completeAttempt(Self.success(first[0], at: UnixMillis(2_100))))
        let fourth = try await store.claimDueDeliveries(
            limit: 5,
            caps: ClaimCaps(perApp: 8, perEndpoint: 8),
            now: UnixMillis(2_200),
            leaseUntil: UnixMillis(60_000)
        )
        #expect(fourth.map(\.id) == [ids[8]], "one attempt ended, one slot opened")
    }

    @Test(arguments: StoreFactory.all)
    func appsWithDueWorkAreServedInTurn(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        var apps: [App] = []
        for _ in 0..<3 {
            let app = try await makeConfiguredApp(store)
            apps.append(app)
            _ = try await Self.backlog(store, appID: app.id, count: 10, from: UnixMillis(1_000))
        }

        let round = try await store.claimDueDeliveries(
            limit: 6,
            caps: ClaimCaps(perApp: 8, perEndpoint: 8),
            now: UnixMillis(5_000),
            leaseUntil: UnixMillis(60_000)
        )
        #expect(
            Dictionary(grouping: round, by: \.appID).mapValues(\.count)
                == Dictionary(
                    uniqueKeysWithValues: apps.map { ($0.id, 2) }
                ),
            "every app gets a second delivery only once every app has its first"
        )

        // One slot at a time: each claim serves the app served longest ago.
        for claim in round { #expect(try await store.completeAttempt(Self.success(claim, at: UnixMillis(5_100)))) }
        var order: [AppID] = []
        for step in 0..<6 {
            let now = UnixMillis(6_000) + .milliseconds(step)
            let one = try #require(
                try await store.claimDueDeliveries(
                    limit: 1,
                    caps: ClaimCaps(perApp: 8, perEndpoint: 8),
                    now: now,
                    leaseUntil: UnixMillis(60_000)
                )
                .first
            )
            order.append(one.appID)
            #expect(try await store.completeAttempt(Self.success(one, at: now)))
        }
        #expect(Array(order[0..<3]).sorted() == apps.map(\.id).sorted(), "each app once")
        #expect(Array(order[3..<6]) == Array(order[0..<3]), "then again in the same turn")
    }

    @Test(arguments: StoreFactory.all)
    func aRetryScheduledByAnAttemptIsClaimedWhenItFallsDue(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = try await makeConfiguredApp(store)
        let id = try await publish(store, appID: app.id, now: UnixMillis(1_000))
        let claim = try #require(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 8, perEndpoint: 8),
                now: UnixMillis(1_000),
                leaseUntil: UnixMillis(60_000)
            ).first
        )
        var retry = Self.success(claim, at: UnixMillis(1_100))
        retry.status = .pending
        retry.nextAttemptAt = UnixMillis(30_000)
        retry.attempt.httpStatus = 500
        #expect(try await store.completeAttempt(retry))
        #expect(try await store.nextDueTime(caps: ClaimCaps(perApp: 8, perEndpoint: 8)) == UnixMillis(30_000))
        #expect(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 8, perEndpoint: 8),
                now: UnixMillis(29_999),
                leaseUntil: UnixMillis(90_000)
            ).isEmpty
        )
        let again = try await store.claimDueDeliveries(
            limit: 5,
            caps: ClaimCaps(perApp: 8, perEndpoint: 8),
            now: UnixMillis(30_000),
            leaseUntil: UnixMillis(90_000)
        )
        #expect(again.map(\.id) == [id])
    }

    @Test(arguments: StoreFactory.all)
    func anInterruptedAttemptIsLoggedWithoutUsingUpTheReceiversAttempts(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = try await makeConfiguredApp(store)
        let id = try await publish(store, appID: app.id, now: UnixMillis(1_000))
        let claim = try #require(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 8, perEndpoint: 8),
                now: UnixMillis(1_000),
                leaseUntil: UnixMillis(60_000)
            ).first
        )
        var interrupted = Self.success(claim, at: UnixMillis(1_100))
        interrupted.status = .pending
        interrupted.nextAttemptAt = UnixMillis(1_100)
        interrupted.attempt.httpStatus = nil
        interrupted.attempt.error = "interrupted"
        interrupted.allowsAnotherAttempt = true
        #expect(try await store.completeAttempts([interrupted]) == [true])
        let detail = try #require(try await store.delivery(appID: app.id, id: id))
        #expect(detail.summary.attempts == 1)
        #expect(detail.summary.attemptsAllowed == 4, "three allowed, plus the interrupted one")
        #expect(detail.attempts.map(\.error) == ["interrupted"])
        let again = try await store.claimDueDeliveries(
            limit: 5,
            caps: ClaimCaps(perApp: 8, perEndpoint: 8),
            now: UnixMillis(1_100),
            leaseUntil: UnixMillis(60_000)
        )
        #expect(again.map(\.id) == [id])
    }

    @Test func takingInTurnInterleavesQueuesAndStopsAtTheLimit() {
        #expect(FairShare.takeInTurn([[1, 2, 3], [10], [20, 21]], limit: 10) == [1, 10, 20, 2, 21, 3])
        #expect(FairShare.takeInTurn([[1, 2, 3], [10], [20, 21]], limit: 4) == [1, 10, 20, 2])
        #expect(FairShare.takeInTurn([[Int]](), limit: 4).isEmpty)
        #expect(FairShare.takeInTurn([[1, 2], []], limit: 0).isEmpty)
    }
}

/// The per-app limit holds across processes sharing one PostgreSQL database.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
struct SharedFairClaimTests {
    @Test func concurrentClaimersInTwoProcessesNeverExceedAnAppsLimit() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            var apps: [App] = []
            for _ in 0..<4 {
                let app = try await makeConfiguredApp(stores[0])
                apps.append(app)
                _ = try await FairClaimTests.backlog(stores[0], appID: app.id, count: 30, from: UnixMillis(1_000))
            }
            let claims = try await withThrowingTaskGroup(of: [ClaimedDelivery].self) { group in
                for claimer in 0..<8 {
                    let store = stores[claimer % 2]
                    group.addTask {
                        var mine: [ClaimedDelivery] = []
                        for _ in 0..<20 {
                            mine += try await store.claimDueDeliveries(
                                limit: 3,
                                caps: ClaimCaps(perApp: 5, perEndpoint: 5),
                                now: UnixMillis(5_000),
                                leaseUntil: UnixMillis(60_000)
                            )
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [ClaimedDelivery]()) { $0 += $1 }
            }
            let perApp = Dictionary(grouping: claims, by: \.appID).mapValues(\.count)
            #expect(perApp == Dictionary(uniqueKeysWithValues: apps.map { ($0.id, 5) }), "exactly the limit, each")
            #expect(Set(claims.map(\.id)).count == claims.count, "no delivery claimed twice")
        }
    }
}
