import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// The delivery log an app reads, on every backend: newest first, filtered, paged, and its own only.
@Suite struct DeliveryLogTests {
    @Test(arguments: StoreBackend.all)
    func theLogListsNewestFirstFiltersAndKeepsTenantsApart(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let other = try await makeConfiguredApp(store)
            let first = try await publish(store, appID: app.id, event: "card.created", now: UnixMillis(1_000))
            var sameMillisecond: [DeliveryID] = []
            for _ in 0..<4 {
                sameMillisecond.append(
                    try await publish(store, appID: app.id, event: "card.funded", now: UnixMillis(1_000))
                )
            }
            let last = try await publish(store, appID: app.id, event: "card.created", now: UnixMillis(2_000))
            let foreign = try await publish(store, appID: other.id, now: UnixMillis(1_500))

            let all = try await store.deliveries(appID: app.id, status: nil, event: nil, limit: 10, offset: 0)
            #expect(all.items.map(\.id) == [last] + sameMillisecond.reversed() + [first], "ties: last written first")
            #expect(all.total == 6)
            let page = try await store.deliveries(appID: app.id, status: nil, event: nil, limit: 1, offset: 1)
            #expect(page.items.map(\.id) == [sameMillisecond[3]])
            #expect(page.total == 6)
            let beyond = try await store.deliveries(appID: app.id, status: nil, event: nil, limit: 5, offset: 9)
            #expect(beyond.items.isEmpty && beyond.total == 6)
            let created = try await store.deliveries(
                appID: app.id,
                status: .pending,
                event: "card.created",
                limit: 10,
                offset: 0
            )
            #expect(created.items.map(\.id) == [last, first])
            #expect(
                try await store.deliveries(appID: app.id, status: .succeeded, event: nil, limit: 10, offset: 0).total
                    == 0
            )

            let summary = try #require(all.items.first)
            #expect(summary.status == .pending)
            #expect(summary.nextAttemptAt == UnixMillis(2_000))
            #expect(summary.attempts == 0 && summary.attemptsAllowed == 3 && summary.isTest == false)
            #expect(summary.createdAt == UnixMillis(2_000) && summary.event == "card.created")

            #expect(try await store.delivery(appID: other.id, id: first) == nil)
            #expect(
                try await store.requeueDelivery(
                    appID: other.id,
                    id: first,
                    now: UnixMillis(5),
                    maximumManualRetries: 10
                )
                    == .notFound
            )
            #expect(
                try await store.deliveries(appID: other.id, status: nil, event: nil, limit: 10, offset: 0).items.map(
                    \.id
                )
                    == [foreign]
            )
            let detail = try #require(try await store.delivery(appID: app.id, id: first))
            #expect(detail.data == Array(#"{"n":1000}"#.utf8))
            #expect(detail.attempts.isEmpty)
        }
    }
}
