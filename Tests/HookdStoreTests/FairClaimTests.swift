import HookdCore
import HookdStore
import HookdTestSupport
import Testing

@testable import HookdStore

/// Claims share the dispatcher's slots fairly between apps, on every backend (DESIGN.md, "Isolation").
@Suite struct FairClaimTests {
    /// A configured app with `events` deliveries due from 1 s on, one millisecond apart.
    static func configuredAppWithBacklog(_ store: any Store, events: Int) async throws -> App {
        let app = try await makeConfiguredApp(store)
        _ = try await publishBacklog(store, appID: app.id, count: events, from: UnixMillis(1_000))
        return app
    }

    /// A configured app's one delivery, published at 1 s, and its claim (up to 8 per app), leased until 60 s.
    static func publishAndClaim(
        _ store: any Store
    ) async throws -> (app: App, id: DeliveryID, claim: ClaimedDelivery) {
        let app = try await makeConfiguredApp(store)
        let id = try await publish(store, appID: app.id, now: UnixMillis(1_000))
        let claim = try #require(
            try await store.claim(5, caps: .each(8), at: UnixMillis(1_000), until: UnixMillis(60_000)).first
        )
        return (app, id, claim)
    }

    @Test(arguments: StoreBackend.all)
    func anotherAppsBacklogDoesNotHoldBackAFreshDelivery(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let busy = try await makeConfiguredApp(store)
            let quiet = try await makeConfiguredApp(store)
            _ = try await publishBacklog(store, appID: busy.id, count: 300, from: UnixMillis(1_000))
            let fresh = try await publish(store, appID: quiet.id, now: UnixMillis(9_000))

            let claims = try await store.claim(10, caps: .each(8), at: UnixMillis(9_000), until: UnixMillis(60_000))
            #expect(claims.contains { $0.id == fresh }, "the quiet app's delivery goes in the first claim")
            #expect(claims.filter { $0.appID == busy.id }.count == 8, "the busy app gets its limit, not every slot")
        }
    }

    @Test(arguments: StoreBackend.all)
    func anAppAtItsLimitGetsNothingMoreUntilAnAttemptEnds(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let ids = try await publishBacklog(store, appID: app.id, count: 20, from: UnixMillis(1_000))

            let first = try await store.claim(5, caps: .each(8), at: UnixMillis(2_000), until: UnixMillis(60_000))
            let second = try await store.claim(5, caps: .each(8), at: UnixMillis(2_000), until: UnixMillis(60_000))
            let third = try await store.claim(5, caps: .each(8), at: UnixMillis(2_000), until: UnixMillis(60_000))
            #expect(first.map(\.id) == Array(ids[0..<5]), "oldest due first")
            #expect(second.map(\.id) == Array(ids[5..<8]), "three more reach the limit of eight")
            #expect(third.isEmpty)
            #expect(
                try await store.nextDueTime(caps: .each(8)) == UnixMillis(60_000),
                "an app at its limit is not due; the next thing that can happen is a lease running out"
            )

            #expect(try await store.completeAttempt(.attempt(on: first[0], at: UnixMillis(2_100))))
            let fourth = try await store.claim(5, caps: .each(8), at: UnixMillis(2_200), until: UnixMillis(60_000))
            #expect(fourth.map(\.id) == [ids[8]], "one attempt ended, one slot opened")
        }
    }

    @Test(arguments: StoreBackend.all)
    func appsWithDueWorkAreServedInTurn(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let apps = try await makeApps(3) { try await Self.configuredAppWithBacklog(store, events: 10) }

            let round = try await store.claim(6, caps: .each(8), at: UnixMillis(5_000), until: UnixMillis(60_000))
            #expect(
                Dictionary(grouping: round, by: \.appID).mapValues(\.count)
                    == Dictionary(
                        uniqueKeysWithValues: apps.map { ($0.id, 2) }
                    ),
                "every app gets a second delivery only once every app has its first"
            )

            // One slot at a time: each claim serves the app served longest ago.
            for claim in round { #expect(try await store.completeAttempt(.attempt(on: claim, at: UnixMillis(5_100)))) }
            var order: [AppID] = []
            for step in 0..<6 {
                let now = UnixMillis(6_000) + .milliseconds(step)
                let one = try #require(
                    try await store.claim(1, caps: .each(8), at: now, until: UnixMillis(60_000))
                        .first
                )
                order.append(one.appID)
                #expect(try await store.completeAttempt(.attempt(on: one, at: now)))
            }
            #expect(Array(order[0..<3]).sorted() == apps.map(\.id).sorted(), "each app once")
            #expect(Array(order[3..<6]) == Array(order[0..<3]), "then again in the same turn")
        }
    }

    @Test(arguments: StoreBackend.all)
    func aRetryScheduledByAnAttemptIsClaimedWhenItFallsDue(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (_, id, claim) = try await Self.publishAndClaim(store)
            let retry = AttemptCompletion.attempt(
                on: claim,
                at: UnixMillis(1_100),
                httpStatus: 500,
                status: .pending,
                nextAttemptAt: UnixMillis(30_000)
            )
            #expect(try await store.completeAttempt(retry))
            #expect(try await store.nextDueTime(caps: .each(8)) == UnixMillis(30_000))
            #expect(try await store.claim(5, caps: .each(8), at: UnixMillis(29_999), until: UnixMillis(90_000)).isEmpty)
            let again = try await store.claim(5, caps: .each(8), at: UnixMillis(30_000), until: UnixMillis(90_000))
            #expect(again.map(\.id) == [id])
        }
    }

    @Test(arguments: StoreBackend.all)
    func anInterruptedAttemptIsLoggedWithoutUsingUpTheReceiversAttempts(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (app, id, claim) = try await Self.publishAndClaim(store)
            var interrupted = AttemptCompletion.attempt(on: claim, at: UnixMillis(1_100), httpStatus: nil)
            interrupted.status = .pending
            interrupted.nextAttemptAt = UnixMillis(1_100)
            interrupted.attempt.error = "interrupted"
            interrupted.allowsAnotherAttempt = true
            #expect(try await store.completeAttempts([interrupted]) == [true])
            let detail = try #require(try await store.delivery(appID: app.id, id: id))
            #expect(detail.summary.attempts == 1)
            #expect(detail.summary.attemptsAllowed == 4, "three allowed, plus the interrupted one")
            #expect(detail.attempts.map(\.error) == ["interrupted"])
            let again = try await store.claim(5, caps: .each(8), at: UnixMillis(1_100), until: UnixMillis(60_000))
            #expect(again.map(\.id) == [id])
        }
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
            let apps = try await makeApps(4) {
                try await FairClaimTests.configuredAppWithBacklog(stores[0], events: 30)
            }
            let claims = try await claimConcurrently(on: stores, rounds: 20) { store in
                try await store.claim(3, caps: .each(5), at: UnixMillis(5_000), until: UnixMillis(60_000))
            }
            let perApp = Dictionary(grouping: claims, by: \.appID).mapValues(\.count)
            #expect(perApp == Dictionary(uniqueKeysWithValues: apps.map { ($0.id, 5) }), "exactly the limit, each")
            #expect(Set(claims.map(\.id)).count == claims.count, "no delivery claimed twice")
        }
    }
}
