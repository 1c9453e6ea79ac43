public import HookdCore

/// The delivery queue: events and their pending deliveries, claimed under leases by dispatchers (in one process or
/// several) and completed one attempt at a time.
public protocol DeliveryQueue: Sendable {
    /// Stores several events and their pending deliveries as ``publish(_:attemptsAllowed:now:lease:)`` would, each
    /// idempotent on its own, in as few transactions as the database allows (one for SQLite): for publishes that
    /// arrive together, and for loading a backlog.
    /// - Returns: for each event in order, its delivery's id and whether this call created it.
    func publishAll(_ events: [NewEvent], attemptsAllowed: Int, now: UnixMillis) async throws -> [PublishOutcome]

    /// Stores an event and its pending delivery in one transaction, due at `now`.
    ///
    /// Idempotent on `(appID, eventID)`: when the event exists already, nothing is written and the first one stands.
    /// A test event is written already leased to the caller (`lease`), so no dispatcher takes it while the
    /// caller sends it; after a crash the lease expires and it is delivered like any other.
    /// - Returns: the delivery's id, and whether this call created it.
    func publish(
        _ event: NewEvent,
        attemptsAllowed: Int,
        now: UnixMillis,
        lease: (id: String, until: UnixMillis)?
    ) async throws -> (deliveryID: String, created: Bool)

    /// Leases up to `limit` due deliveries of apps that have a URL, taking apps in turn.
    ///
    /// A delivery is due when it is pending, its next attempt time has come, and it is not leased. Leases that ran
    /// out are released first (a dispatcher that died mid-attempt costs a retry, not a delivery).
    ///
    /// Fairness: apps with due work are served least recently served first, one delivery each before any gets a
    /// second, and an app that already has `perAppLimit` deliveries leased, by any process, gets none. So one app's
    /// backlog or slow receiver bounds its own throughput and never holds another app's deliveries back. Within an
    /// app, the oldest due go first. The claim reads only apps with due work and, per app, only as many deliveries
    /// as it takes: never every pending row.
    func claimDueDeliveries(
        limit: Int,
        perAppLimit: Int,
        now: UnixMillis,
        leaseUntil: UnixMillis
    ) async throws -> [ClaimedDelivery]

    /// The claim of one delivery by id, under a lease the caller already holds (the test delivery).
    func claimedDelivery(id: String, leaseID: String) async throws -> ClaimedDelivery?

    /// Records an attempt and the delivery's next state in one write, if `completion.leaseID` still holds the lease.
    ///
    /// - Returns: `false` when the lease was lost (the attempt is not recorded).
    @discardableResult
    func completeAttempt(_ completion: AttemptCompletion) async throws -> Bool

    /// ``completeAttempt(_:)`` for several attempts, in as few transactions as the database allows (one for SQLite).
    ///
    /// - Returns: for each completion in order, whether it was recorded.
    func completeAttempts(_ completions: [AttemptCompletion]) async throws -> [Bool]

    /// When a claim may next find work, if ever: the earliest due time among apps with a URL
    /// and fewer than `perAppLimit` deliveries leased, or the earliest lease to run out.
    ///
    /// An app at its limit is left out: it moves again when one of its attempts finishes, which wakes the
    /// dispatcher that made it. The answer may be early (a claim then finds nothing), never late.
    func nextDueTime(perAppLimit: Int) async throws -> UnixMillis?

    /// Drops every lease, making those deliveries due again. Only for a store one dispatcher owns alone (SQLite under
    /// the data-dir lock), at start.
    func releaseAllLeases() async throws

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
public typealias PublishOutcome = (deliveryID: String, created: Bool)
