import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// The log's pages by cursor, the bounded count, the bounded recovery and the statistics aggregated by the
/// database (issue 21), on every backend.
@Suite struct BoundedReadsTests {
    /// Publishes `count` events of `app` at `now` (one transaction: they share their creation time).
    static func publish(_ store: any Store, app: App, count: Int, at now: UnixMillis) async throws -> [DeliveryID] {
        let events = (0..<count).map { _ in
            NewEvent(appID: app.id, eventID: Identifiers.eventID(), event: "card.funded", data: Array("{}".utf8))
        }
        return try await store.publishAll(events, attemptsAllowed: 1, now: now).map(\.deliveryID)
    }

    @Test(arguments: StoreBackend.all)
    func aCursorWalkMeetsEveryDeliveryOnceWhileNewOnesArrive(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            // Groups that share a creation time: the cursor must order within a millisecond too.
            var existing: [DeliveryID] = []
            for group in 0..<6 {
                existing += try await Self.publish(store, app: app, count: 5, at: UnixMillis(1_000 + Int64(group)))
            }
            var seen: [DeliveryID] = []
            var position = DeliveryLogPosition.offset(0)
            var arrivals = 0
            while true {
                let page = try await store.deliveryPage(
                    appID: app.id,
                    filter: DeliveryFilter(),
                    limit: 7,
                    from: position,
                    countingUpTo: nil
                )
                #expect(page.total == nil)
                seen += page.items.map(\.id)
                // New deliveries arrive between pages, some in the very millisecond of the newest.
                arrivals += 3
                _ = try await Self.publish(store, app: app, count: 3, at: UnixMillis(1_005 + Int64(arrivals)))
                guard page.hasMore else { break }
                position = .after(try #require(page.next))
            }
            #expect(seen.count == Set(seen).count, "no delivery twice")
            #expect(Set(seen) == Set(existing), "every delivery that was there when the walk began, once")
            #expect(seen.count == 30)
        }
    }

    @Test(arguments: StoreBackend.all)
    func theCountStopsAtItsLimitAndHasMoreDoesNotNeedIt(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            _ = try await Self.publish(store, app: app, count: 5, at: UnixMillis(1_000))
            let capped = try await store.deliveryPage(
                appID: app.id,
                filter: DeliveryFilter(),
                limit: 2,
                from: .offset(0),
                countingUpTo: 3
            )
            #expect(capped.total == 3)
            #expect(capped.items.count == 2 && capped.hasMore)
            let exact = try await store.deliveryPage(
                appID: app.id,
                filter: DeliveryFilter(status: .pending),
                limit: 2,
                from: .offset(4),
                countingUpTo: 10
            )
            #expect(exact.total == 5)
            #expect(exact.items.count == 1 && !exact.hasMore)
        }
    }

    @Test(arguments: StoreBackend.all)
    func recoveryStopsAtItsLimitAndLeavesDeliveriesAtTheirManualMaximum(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (app, endpoint) = try await makeAppWithEndpoint(store)
            let failedAt = UnixMillis(1_700_000_000_000)
            // More than two batches of the store's writes, in two groups of creation times.
            let first = try await Self.publish(store, app: app, count: 700, at: failedAt)
            let second = try await Self.publish(store, app: app, count: 400, at: failedAt + .seconds(1))
            #expect(try await LogSeed.failEverythingDue(store, at: failedAt + .seconds(2)) == 1_100)
            // One delivery was already retried by hand as often as allowed (once here), and failed again.
            let exhausted = try #require(second.last)
            let requeued = try await store.requeueDelivery(
                appID: app.id,
                id: exhausted,
                now: failedAt + .seconds(3),
                maximumManualRetries: 1
            )
            guard case .requeued = requeued else {
                Issue.record("not requeued: \(requeued)")
                return
            }
            #expect(try await LogSeed.failEverythingDue(store, at: failedAt + .seconds(3)) == 1)

            let window = failedAt..<(failedAt + .seconds(60))
            let now = failedAt + .seconds(10)
            func recover(endpointID: EndpointID = endpoint) async throws -> RecoveryOutcome? {
                try await store.recoverDeliveries(
                    appID: app.id,
                    endpointID: endpointID,
                    createdIn: window,
                    now: now,
                    limit: 600,
                    maximumManualRetries: 1
                )
            }
            #expect(try await recover() == RecoveryOutcome(queued: 600, hasMore: true))
            // Oldest first: the first call takes from the older group only.
            let queuedFirst = try await store.deliveries(
                appID: app.id,
                status: .pending,
                event: nil,
                limit: 1_000,
                offset: 0
            )
            #expect(queuedFirst.total == 600 && Set(queuedFirst.items.map(\.id)).isSubset(of: Set(first)))
            #expect(try await recover() == RecoveryOutcome(queued: 499, hasMore: false), "all but the exhausted one")
            #expect(try await recover() == RecoveryOutcome(queued: 0, hasMore: false))
            #expect(try await recover(endpointID: "whk_NOSUCHENDPOINT00000") == nil)

            let pending = try await store.deliveries(
                appID: app.id,
                status: .pending,
                event: nil,
                limit: 1,
                offset: 0
            ).total
            #expect(pending == 1_099)
            #expect(try await store.delivery(appID: app.id, id: exhausted)?.summary.status == .failed)
            // Each recovered delivery spent its one manual retry: a retry by hand is refused now.
            let again = try await store.requeueDelivery(
                appID: app.id,
                id: try #require(first.first),
                now: now,
                maximumManualRetries: 1
            )
            #expect(again == .limitReached)
        }
    }

    @Test(arguments: StoreBackend.all)
    func statisticsAreAggregatedHourByHourWithNearestRankPercentiles(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (app, endpoint) = try await makeAppWithEndpoint(store)
            let start = UnixMillis(1_700_000_000_000 - 1_700_000_000_000 % 3_600_000)
            // Hour 0: latencies 1…20 ms; hour 2: one attempt of 7 ms. Hour 1 has none.
            for latency in 1...20 {
                _ = try await Self.publish(store, app: app, count: 1, at: start + .seconds(latency))
                #expect(
                    try await LogSeed.failEverythingDue(store, at: start + .seconds(latency), latency: Int64(latency))
                        == 1
                )
            }
            _ = try await Self.publish(store, app: app, count: 1, at: start + .seconds(7_300))
            #expect(try await LogSeed.failEverythingDue(store, at: start + .seconds(7_300), latency: 7) == 1)

            let hours = try #require(
                try await store.attemptHours(appID: app.id, endpointID: endpoint, from: start, hours: 3)
            )
            #expect(
                hours == [
                    // Nearest rank: p50 of 20 is the 10th value, p95 the 19th.
                    AttemptHour(
                        start: start,
                        succeeded: 0,
                        failed: 20,
                        latencyP50: .milliseconds(10),
                        latencyP95: .milliseconds(19)
                    ),
                    AttemptHour(
                        start: start + .seconds(7_200),
                        succeeded: 0,
                        failed: 1,
                        latencyP50: .milliseconds(7),
                        latencyP95: .milliseconds(7)
                    ),
                ]
            )
            let later = try await store.attemptHours(
                appID: app.id,
                endpointID: endpoint,
                from: start + .seconds(3_600),
                hours: 1
            )
            #expect(later == [])
            let otherApp = try await makeStoredApp(store)
            #expect(
                try await store.attemptHours(appID: otherApp.id, endpointID: endpoint, from: start, hours: 3) == nil
            )
        }
    }
}
