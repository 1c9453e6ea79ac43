import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// Publishes one `event` of `appID` at `now`, its data `{"n":now}`; with `lease`, a test event leased to the caller.
func publish(
    _ store: any DeliveryQueue,
    appID: AppID,
    event: String = "card.created",
    now: UnixMillis,
    lease: (id: LeaseID, until: UnixMillis)? = nil
) async throws -> DeliveryID {
    let event = NewEvent(
        appID: appID,
        eventID: Identifiers.eventID(),
        event: event,
        data: Array(#"{"n":\#(now.rawValue)}"#.utf8),
        isTest: lease != nil
    )
    return try await store.publish(event, attemptsAllowed: 3, now: now, lease: lease).deliveryID
}

/// Publishes `count` deliveries for `appID`, due from `now` on, one millisecond apart.
func publishBacklog(
    _ store: any DeliveryQueue,
    appID: AppID,
    count: Int,
    from now: UnixMillis
) async throws -> [DeliveryID] {
    var ids: [DeliveryID] = []
    for index in 0..<count {
        let event = NewEvent(
            appID: appID,
            eventID: Identifiers.eventID(),
            event: "card.created",
            data: Array("{}".utf8)
        )
        ids.append(
            try await store.publish(event, attemptsAllowed: 3, now: now + .milliseconds(index), lease: nil).deliveryID
        )
    }
    return ids
}

/// Publishes one `card.funded` event of `app`, claims its delivery to `endpoint`, and records a failed attempt
/// answered `status` (its only one), with `failingLimit` as its ``AttemptCompletion/endpointFailingLimit`` and
/// `warningLimit` as its ``AttemptCompletion/endpointWarningLimit`` (disabling a day after the failures began).
func failOnce(
    _ store: any Store,
    app: App,
    to endpoint: EndpointID,
    at now: UnixMillis,
    status: Int = 500,
    failingLimit: UnixMillis? = nil,
    warningLimit: UnixMillis? = nil
) async throws {
    _ = try await store.publish(
        NewEvent(appID: app.id, eventID: Identifiers.eventID(), event: "card.funded", data: Array("{}".utf8)),
        attemptsAllowed: 1,
        now: now,
        lease: nil
    )
    let claim = try #require(try await store.claim(10, caps: .each(10), at: now).first { $0.endpointID == endpoint })
    let recorded = try await store.completeAttempt(
        .attempt(
            on: claim,
            at: now,
            httpStatus: status,
            latency: .milliseconds(5),
            status: .failed,
            endpointFailingLimit: failingLimit,
            endpointWarningLimit: warningLimit,
            endpointDisableAfter: .seconds(86_400)
        )
    )
    #expect(recorded)
}

/// Claims from `store`, `limit` at a time (due by 5 s, leased until 60 s, no cap in the way), until a claim comes
/// back empty; returns what `take` makes of each batch, together.
func claimUntilEmpty<Item: Sendable>(
    _ store: any DeliveryQueue,
    limit: Int,
    take: ([ClaimedDelivery]) async throws -> [Item]
) async throws -> [Item] {
    var taken: [Item] = []
    while true {
        let batch = try await store.claim(limit, at: UnixMillis(5_000), until: UnixMillis(60_000))
        if batch.isEmpty { return taken }
        taken += try await take(batch)
    }
}

/// Runs `claimers` claimers at once, taking turns on `stores` (one process each), each calling `claim` with its store
/// `rounds` times; returns every claim they made, together.
func claimConcurrently(
    on stores: [any DeliveryQueue],
    claimers: Int = 8,
    rounds: Int,
    _ claim: @escaping @Sendable (any DeliveryQueue) async throws -> [ClaimedDelivery]
) async throws -> [ClaimedDelivery] {
    try await withThrowingTaskGroup(of: [ClaimedDelivery].self) { group in
        for claimer in 0..<claimers {
            let store = stores[claimer % stores.count]
            group.addTask {
                var mine: [ClaimedDelivery] = []
                for _ in 0..<rounds { mine += try await claim(store) }
                return mine
            }
        }
        return try await group.reduce(into: [ClaimedDelivery]()) { $0 += $1 }
    }
}
