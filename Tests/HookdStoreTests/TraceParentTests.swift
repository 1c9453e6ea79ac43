import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// The publish span's `traceparent` travels with its event: stored by every kind of publish, read back by every
/// kind of claim, on both stores; an event without one stays without one (telemetry off).
@Suite struct TraceParentTests {
    static let parent = TraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")

    static func event(_ appID: AppID, traceParent: TraceParent?) -> NewEvent {
        NewEvent(
            appID: appID,
            eventID: Identifiers.eventID(),
            event: "card.created",
            data: Array(#"{"n":1}"#.utf8),
            traceParent: traceParent
        )
    }

    @Test(arguments: StoreBackend.all)
    func aBatchOfPublishesKeepsEachEventsTraceParentForItsClaims(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let traced = Self.event(app.id, traceParent: Self.parent)
            let untraced = Self.event(app.id, traceParent: nil)
            _ = try await store.publishAll([traced, untraced], attemptsAllowed: 3, now: UnixMillis(1_000))
            let claims = try await store.claim(10, at: UnixMillis(1_000))
            #expect(claims.count == 2)
            let byEvent = Dictionary(uniqueKeysWithValues: claims.map { ($0.eventID, $0) })
            #expect(byEvent[traced.eventID]?.traceParent == Self.parent)
            #expect(byEvent[untraced.eventID]?.traceParent == nil, "none stays none")
        }
    }

    @Test(arguments: StoreBackend.all)
    func aLeasedPublishKeepsItsTraceParentForTheClaimOfItsLease(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let lease = (id: Identifiers.leaseID(), until: UnixMillis(60_000))
            let (deliveryID, _) = try await store.publish(
                Self.event(app.id, traceParent: Self.parent),
                attemptsAllowed: 1,
                now: UnixMillis(1_000),
                lease: lease
            )
            let claim = try await store.claimedDelivery(id: deliveryID, leaseID: lease.id)
            #expect(claim?.traceParent == Self.parent)
        }
    }
}
