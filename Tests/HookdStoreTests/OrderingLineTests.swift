import Foundation
import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// Ordering keys (SPEC §15) in the store: a KEYED endpoint's deliveries that share a key are claimable one at a
/// time, in publish order, the next once the previous succeeded or failed its last attempt; other keys and unkeyed
/// events go in parallel; on every backend.
@Suite struct OrderingLineTests {
    /// A store with an app and one KEYED endpoint subscribed to `card.funded`.
    struct Line {
        let store: any Store
        let app: App
        let endpoint: EndpointID

        /// Publishes one `card.funded` at `now` with `key` (none when `nil`); its delivery's id.
        @discardableResult
        func publish(_ key: String?, at now: Int64 = 1_000) async throws -> DeliveryID {
            let event = NewEvent(
                appID: app.id,
                eventID: Identifiers.eventID(),
                event: "card.funded",
                data: Array("{}".utf8),
                orderingKey: key.flatMap(OrderingKey.init(rawValue:))
            )
            return try await store.publish(event, attemptsAllowed: 3, now: UnixMillis(now), lease: nil).deliveryID
        }

        /// Publishes `count` events of `key` at 1 s, in order; their deliveries' ids.
        func publish(_ count: Int, of key: String) async throws -> [DeliveryID] {
            var ids: [DeliveryID] = []
            for _ in 0..<count { ids.append(try await publish(key)) }
            return ids
        }

        /// Sets the endpoint's ordering at `now`; the endpoint as stored after.
        @discardableResult
        func set(_ ordering: EndpointOrdering, at now: Int64) async throws -> Endpoint? {
            try await store.updateEndpoint(
                appID: app.id,
                id: endpoint,
                EndpointChange(ordering: ordering),
                now: UnixSeconds(now)
            )
        }

        /// Claims and records a success `count` times from `start` on, 10 ms apart, checking that each claim leased
        /// exactly one delivery; the deliveries in the order they were leased.
        func drainOneAtATime(_ count: Int, from start: Int64) async throws -> [DeliveryID] {
            var sent: [DeliveryID] = []
            for step in 0..<count {
                let now = start + Int64(step) * 10
                let claimed = try await claim(at: now)
                #expect(claimed.count == 1, "step \(step): \(claimed.count) at once")
                guard let next = claimed.values.first else { break }
                sent.append(next.id)
                try await complete(next, at: now + 1)
            }
            return sent
        }

        /// What a claim at `now` leases, by delivery id.
        func claim(at now: Int64) async throws -> [DeliveryID: ClaimedDelivery] {
            let claimed = try await store.claim(50, at: UnixMillis(now))
            return Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0) })
        }

        /// Records `claim`'s attempt at `now`: a success, a failure retried at `retryAt`, or (with neither) a
        /// final failure.
        func complete(
            _ claim: ClaimedDelivery?,
            at now: Int64,
            succeeded: Bool = true,
            retryAt: Int64? = nil
        )
            async throws
        {
            let claim = try #require(claim)
            let status: DeliveryStatus = succeeded ? .succeeded : retryAt == nil ? .failed : .pending
            let completion = AttemptCompletion.attempt(
                on: claim,
                at: UnixMillis(now),
                httpStatus: succeeded ? 200 : 503,
                status: status,
                nextAttemptAt: retryAt.map(UnixMillis.init)
            )
            #expect(try await store.completeAttempt(completion))
        }
    }

    static func withLine(_ backend: StoreBackend, _ body: (Line) async throws -> Void) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            var endpoint = Endpoint.v3_20(appID: app.id)
            endpoint.ordering = .keyed
            #expect(try await store.createEndpoint(endpoint, secret: change([1]), limit: 20))
            try await body(Line(store: store, app: app, endpoint: endpoint.id))
        }
    }

    @Test(arguments: StoreBackend.all)
    func eventsOfOneKeyGoOneAtATimeInPublishOrderAndOthersInParallel(backend: StoreBackend) async throws {
        try await Self.withLine(backend) { line in
            let published = try await line.publish(3, of: "card-a")
            let (a1, a2, a3) = (published[0], published[1], published[2])
            let b1 = try await line.publish("card-b")
            let unkeyed = try await line.publish(nil)

            var claimed = try await line.claim(at: 2_000)
            #expect(Set(claimed.keys) == [a1, b1, unkeyed], "the head of each key, and the unkeyed event")
            let waiting = try #require(try await line.store.delivery(appID: line.app.id, id: a2))
            #expect(waiting.summary.status == .pending)
            #expect(waiting.summary.nextAttemptAt == nil, "a waiting delivery has no next attempt")
            #expect(waiting.summary.orderingKey == "card-a")

            // A failure to be retried keeps the key's place: nothing of it goes meanwhile, but an unkeyed event
            // published then is not held back.
            try await line.complete(claimed[a1], at: 2_100, succeeded: false, retryAt: 3_000)
            let later = try await line.publish(nil, at: 2_200)
            #expect(Set(try await line.claim(at: 2_500).keys) == [later])
            claimed = try await line.claim(at: 3_000)
            #expect(Set(claimed.keys) == [a1], "the retry, alone")

            try await line.complete(claimed[a1], at: 3_100)
            claimed = try await line.claim(at: 3_200)
            #expect(Set(claimed.keys) == [a2], "the next once the first succeeded")

            // A final failure lets the next go too: a failed event does not stop its key for good.
            try await line.complete(claimed[a2], at: 3_300, succeeded: false)
            claimed = try await line.claim(at: 3_400)
            #expect(Set(claimed.keys) == [a3])
            try await line.complete(claimed[a3], at: 3_500)
            #expect(try await line.claim(at: 3_600).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aRetriedDeliveryWaitsForTheHeadOfItsKeyThenGoesBeforeLaterOnes(backend: StoreBackend) async throws {
        try await Self.withLine(backend) { line in
            let published = try await line.publish(3, of: "card-a")
            let (a1, a2, a3) = (published[0], published[1], published[2])
            var claimed = try await line.claim(at: 2_000)
            try await line.complete(claimed[a1], at: 2_100, succeeded: false)
            claimed = try await line.claim(at: 2_200)
            #expect(Set(claimed.keys) == [a2])

            // a2 is in flight: the retried a1 waits for it, then goes before a3, published after it.
            let requeued = try await line.store.requeueDelivery(
                appID: line.app.id,
                id: a1,
                now: UnixMillis(2_300),
                maximumManualRetries: 5
            )
            guard case .requeued = requeued else {
                Issue.record("not requeued: \(requeued)")
                return
            }
            #expect(try await line.claim(at: 2_400).isEmpty)
            try await line.complete(claimed[a2], at: 2_500)
            claimed = try await line.claim(at: 2_600)
            #expect(Set(claimed.keys) == [a1])
            try await line.complete(claimed[a1], at: 2_700)
            #expect(Set(try await line.claim(at: 2_800).keys) == [a3])
        }
    }

    @Test(arguments: StoreBackend.all)
    func recoveredDeliveriesRejoinTheirLinesInPublishOrder(backend: StoreBackend) async throws {
        try await Self.withLine(backend) { line in
            var failed: [DeliveryID] = []
            for at in [1_000, 1_001, 1_002] as [Int64] {
                let id = try await line.publish("card-a", at: at)
                let claimed = try await line.claim(at: 2_000 + at)
                try await line.complete(claimed[id], at: 2_000 + at, succeeded: false)
                failed.append(id)
            }
            let outcome = try await line.store.recoverDeliveries(
                appID: line.app.id,
                endpointID: line.endpoint,
                createdIn: UnixMillis(0)..<UnixMillis(10_000),
                now: UnixMillis(4_000),
                limit: 100,
                maximumManualRetries: 5
            )
            #expect(outcome?.queued == 3)
            #expect(try await line.drainOneAtATime(3, from: 5_000) == failed)
        }
    }

    @Test(arguments: StoreBackend.all)
    func anEndpointThatStopsKeepingOrderLetsEveryWaitingDeliveryGo(backend: StoreBackend) async throws {
        try await Self.withLine(backend) { line in
            let published = try await line.publish(3, of: "card-a")
            let (a1, a2, a3) = (published[0], published[1], published[2])
            let first = try await line.claim(at: 2_000)
            #expect(Set(first.keys) == [a1])
            #expect(try await line.set(EndpointOrdering.none, at: 2)?.ordering == EndpointOrdering.none)
            #expect(Set(try await line.claim(at: 2_100).keys) == [a2, a3])
            try await line.complete(first[a1], at: 2_200)

            // Keyed again: events published from then on keep their order, whatever was settled before.
            try await line.set(.keyed, at: 3)
            let a4 = try await line.publish("card-a", at: 3_000)
            try await line.publish("card-a", at: 3_000)
            #expect(Set(try await line.claim(at: 3_100).keys) == [a4])
        }
    }

    @Test(arguments: StoreBackend.all)
    func concurrentPublishesOfOneKeyStillGoOneAtATime(backend: StoreBackend) async throws {
        try await Self.withLine(backend) { line in
            let published = try await withThrowingTaskGroup(of: [DeliveryID].self) { group in
                for _ in 0..<8 {
                    group.addTask { [line] in
                        try await line.publish(5, of: "card-a")
                    }
                }
                return try await group.reduce(into: [DeliveryID]()) { $0 += $1 }
            }
            let sent = try await line.drainOneAtATime(published.count, from: 2_000)
            #expect(Set(sent) == Set(published) && sent.count == published.count, "each once")
        }
    }
}
