public import HookdCore

/// The delivery queue: events and their pending deliveries, claimed under leases by dispatchers (in one process or
/// several) and completed one attempt at a time.
public protocol DeliveryQueue: Sendable {
    /// Stores several events and their pending deliveries as ``publish(_:attemptsAllowed:now:lease:)`` would, each
    /// idempotent on its own, in as few transactions as the database allows (one for SQLite): for publishes that
    /// arrive together, and for loading a backlog.
    /// - Returns: for each event in order, its delivery's id and whether this call created it.
    func publishAll(
        _ events: [NewEvent],
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis
    ) async throws -> [PublishOutcome]

    /// Stores an event and its pending deliveries in one transaction, due at `now`, each allowed the attempts of
    /// its kind of endpoint (`attemptsAllowed`).
    ///
    /// Idempotent on `(appID, eventID)`: when the event exists already, nothing is written and the first one stands.
    /// A test event is written already leased to the caller (`lease`), so no dispatcher takes it while the
    /// caller sends it; after a crash the lease expires and it is delivered like any other.
    /// - Returns: the delivery's id, and whether this call created it.
    func publish(
        _ event: NewEvent,
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis,
        lease: (id: LeaseID, until: UnixMillis)?
    ) async throws -> (deliveryID: DeliveryID, created: Bool)

    /// Leases up to `limit` due deliveries, apps taking turns and, within an app, its endpoints taking turns.
    ///
    /// A delivery is due when it is pending, its next attempt time has come, it is not leased, its endpoint can be
    /// sent to (active, with a URL and a secret) and its app is active. Leases that ran out are released first (a
    /// dispatcher that died mid-attempt costs a retry, not a delivery).
    ///
    /// Fairness (SPEC §13), in two levels of turns: apps with due work are served least recently served first, one
    /// delivery each before any gets a second; an app's share goes to its endpoints the same way, least recently
    /// served first. An app that already holds `caps.perApp` leases, by any process, gets none, and an endpoint
    /// that holds `caps.perEndpoint` gets none. The rule is work-conserving: what one app or endpoint may not take is
    /// offered to the next, and an app alone gets up to its cap. Within an endpoint, the oldest due go first. The
    /// claim reads only endpoints with due work and, per endpoint, only as many deliveries as it may take: never
    /// every pending row.
    func claimDueDeliveries(
        limit: Int,
        caps: ClaimCaps,
        now: UnixMillis,
        leaseUntil: UnixMillis
    ) async throws -> [ClaimedDelivery]

    /// The claim of one delivery by id, under a lease the caller already holds (the test delivery).
    func claimedDelivery(id: DeliveryID, leaseID: LeaseID) async throws -> ClaimedDelivery?

    /// Records an attempt and the delivery's next state in one write, if `completion.leaseID` still holds the lease.
    ///
    /// - Returns: `false` when the lease was lost (the attempt is not recorded).
    @discardableResult
    func completeAttempt(_ completion: AttemptCompletion) async throws -> Bool

    /// ``completeAttempt(_:)`` for several attempts, in as few transactions as the database allows (one for SQLite).
    ///
    /// - Returns: for each completion in order, whether it was recorded.
    func completeAttempts(_ completions: [AttemptCompletion]) async throws -> [Bool]

    /// When a claim may next find work, if ever: the earliest due time among endpoints that can be sent to, of
    /// active apps, below both caps, or the earliest lease to run out.
    ///
    /// An app or endpoint at its cap is left out: it moves again when one of its attempts finishes, which wakes
    /// the dispatcher that made it. The answer may be early (a claim then finds nothing), never late.
    func nextDueTime(caps: ClaimCaps) async throws -> UnixMillis?

    /// What each endpoint allows now, for the check made just before an attempt (SPEC §13): the target in force
    /// (URL, secret, headers), or that its deliveries are held (disabled, no URL, app suspended), or that it is gone
    /// (deleted). An id with no endpoint is gone.
    func sendingStates(endpointIDs: Set<EndpointID>) async throws -> [EndpointID: EndpointSendingState]

    /// Gives back the leases of claimed deliveries that were not sent because their endpoint was held when the
    /// check before sending read it: each stays pending, due when it was, and is claimed again once its endpoint
    /// and app allow it. A lease that no longer holds (the delivery was cancelled, or its lease ran out) is left
    /// alone.
    func releaseUnsent(_ claims: [ClaimedDelivery]) async throws

    /// Drops every lease, making those deliveries due again. Only for a store one dispatcher owns alone (SQLite under
    /// the data-dir lock), at start.
    func releaseAllLeases() async throws

    /// Notes that dispatcher `id` is alive at `now`, forgets the dispatchers not seen since `aliveSince`, and returns
    /// how many share this queue now, this one included (SPEC §13: the caps hold across them, each holding its
    /// share). A store one dispatcher owns alone answers 1.
    func dispatchersSharingQueue(id: DispatcherID, now: UnixMillis, aliveSince: UnixMillis) async throws -> Int

    /// Forgets dispatcher `id` (it is stopping), so the others take back its share at once.
    func leaveQueue(dispatcherID id: DispatcherID) async throws

    /// Whether several hookd processes may share this store's delivery queue (PostgreSQL). A store that is not
    /// shared (SQLite, under the data-dir lock) lets its one dispatcher drop stale leases at start.
    var isSharedAcrossProcesses: Bool { get }

    /// Calls `wake` whenever any process publishes or requeues a delivery, until the calling task is cancelled.
    ///
    /// A store that is not shared returns at once: its own process wakes its dispatcher directly.
    /// - Throws: When the notification channel fails; the caller reconnects.
    func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws
}

/// What storing one event did: its delivery's id, and whether this call created it (`false`: it existed already).
public typealias PublishOutcome = (deliveryID: DeliveryID, created: Bool)
