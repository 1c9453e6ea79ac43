import Foundation
import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// `publishAll` and `completeAttempts`, the batched writes behind group commit, give each item what the single
/// write would have, on both stores.
@Suite struct BatchedWriteTests {
    static func event(_ appID: AppID, _ eventID: EventID = Identifiers.eventID()) -> NewEvent {
        NewEvent(appID: appID, eventID: eventID, event: "card.created", data: Array(#"{"n":1}"#.utf8))
    }

    @Test(arguments: StoreBackend.all)
    func aBatchOfPublishesIsIdempotentPerEventEvenWithinTheBatch(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let earlier = Self.event(app.id)
            let (earlierID, _) = try await store.publish(
                earlier,
                attemptsAllowed: 3,
                now: UnixMillis(1_000),
                lease: nil
            )
            let fresh = Self.event(app.id)
            let other = Self.event(app.id)
            let outcomes = try await store.publishAll(
                [fresh, earlier, other, fresh],
                attemptsAllowed: 3,
                now: UnixMillis(2_000)
            )
            #expect(outcomes.map(\.created) == [true, false, true, false])
            #expect(outcomes[1].deliveryID == earlierID, "an event published before keeps its delivery")
            #expect(outcomes[3].deliveryID == outcomes[0].deliveryID, "a repeat within the batch gets the first one's")
            #expect(Set(outcomes.map(\.deliveryID)).count == 3)
            let listed = try await store.deliveries(appID: app.id, status: .pending, event: nil, limit: 10, offset: 0)
            #expect(listed.total == 3)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aBatchOfRecordsRecordsThoseWhoseLeaseHolds(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            _ = try await store.publishAll(
                (0..<3).map { _ in Self.event(app.id) },
                attemptsAllowed: 3,
                now: UnixMillis(1_000)
            )
            let claims = try await store.claim(3, at: UnixMillis(1_000), until: UnixMillis(60_000))
            #expect(claims.count == 3)
            func completion(
                _ claim: ClaimedDelivery,
                lease: LeaseID,
                status: Int?,
                next: UnixMillis?
            ) -> AttemptCompletion {
                AttemptCompletion(
                    deliveryID: claim.id,
                    leaseID: lease,
                    attempt: DeliveryAttempt(
                        number: 1,
                        startedAt: UnixMillis(1_500),
                        latency: .milliseconds(12),
                        httpStatus: status,
                        error: status == nil ? "connection refused" : nil,
                        responseBody: Array("ok".utf8)
                    ),
                    status: next == nil ? .succeeded : .pending,
                    nextAttemptAt: next,
                    secretVersion: claim.secretVersion
                )
            }
            let recorded = try await store.completeAttempts([
                completion(claims[0], lease: claims[0].leaseID, status: 200, next: nil),
                completion(claims[1], lease: claims[1].leaseID, status: nil, next: UnixMillis(61_500)),
                completion(claims[2], lease: "lease_not_held", status: 200, next: nil),
            ])
            #expect(recorded == [true, true, false])
            let succeeded = try #require(try await store.delivery(appID: app.id, id: claims[0].id))
            #expect(succeeded.summary.status == .succeeded)
            #expect(succeeded.summary.nextAttemptAt == nil)
            #expect(succeeded.attempts.map(\.httpStatus) == [200])
            #expect(succeeded.attempts.first?.error == nil)
            let failed = try #require(try await store.delivery(appID: app.id, id: claims[1].id))
            #expect(failed.summary.status == .pending)
            #expect(failed.summary.nextAttemptAt == UnixMillis(61_500))
            #expect(failed.attempts.map(\.httpStatus) == [nil])
            #expect(failed.attempts.first?.error == "connection refused")
            #expect(failed.attempts.first?.latency == .milliseconds(12))
            let untouched = try #require(try await store.delivery(appID: app.id, id: claims[2].id))
            #expect(untouched.attempts.isEmpty, "a record without the lease changes nothing")
        }
    }
}
