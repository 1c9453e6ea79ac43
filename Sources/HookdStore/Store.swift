public import HookdCore

/// Every query hookd makes, as one protocol with one implementation per database.
///
/// "Not found" is `nil`; real failures throw. Every method that touches an app's data takes its `appID`,
/// so no query can reach another tenant's rows.
public protocol Store: Sendable {
    // MARK: Apps

    /// Stores a new app.
    func insertApp(_ app: App) async throws
    /// The app with this identifier.
    func app(id: String) async throws -> App?
    /// Every app, oldest first.
    func apps() async throws -> [App]
    /// Sets an app's status, and with `retiringTokensBefore` moves its ``App/tokensNotBefore`` forward to that
    /// time (never back), in the same write.
    /// - Returns: the updated app, or `nil` when there is none.
    func updateAppStatus(id: String, status: AppStatus, retiringTokensBefore: Int64?) async throws -> App?
    /// Replaces the digest of an app's secret key and moves its ``App/tokensNotBefore`` forward to
    /// `retiringTokensBefore` (never back), in one write.
    /// - Returns: the updated app, or `nil` when there is none.
    func updateAppSecretKeyDigest(id: String, digest: [UInt8], retiringTokensBefore: Int64) async throws -> App?

    // MARK: Webhook configuration

    /// The app's webhook configuration, or `nil` when it was never configured.
    func webhookEndpoint(appID: String) async throws -> WebhookEndpoint?

    /// Sets (or with `nil` clears) the app's URL in one write.
    ///
    /// When the app has no secret yet and `url` is not `nil`, `initialSecret` is stored with the URL and its
    /// audit record written in the same transaction; otherwise both are ignored.
    /// - Returns: the configuration after the write, and whether `initialSecret` was stored.
    func setWebhookURL(
        appID: String,
        url: String?,
        initialSecret: SealedSecretChange,
        now: Int64
    ) async throws -> (endpoint: WebhookEndpoint, createdSecret: Bool)

    /// Replaces the app's secret and bumps its version, in one transaction with the audit record.
    ///
    /// Concurrent calls are serialised by the database; the last to commit is the secret in force. With an
    /// `idempotencyKey`, the first call holding the key (within its window) stores the sealed secret under it in
    /// the same transaction; a later call with that key changes nothing and gets the stored one back, and a
    /// concurrent one waits for the first to finish.
    /// - Returns: what happened; nothing is written when the app has no URL configured.
    func replaceWebhookSecret(
        appID: String,
        change: SealedSecretChange,
        now: Int64,
        idempotencyKey: IdempotencyKey?
    ) async throws -> SecretReplacement

    /// The app's secret audit trail, oldest first.
    func secretAuditRecords(appID: String) async throws -> [SecretAuditRecord]

    // MARK: Tokens and rate limits

    /// Remembers a revoked token until `until` (Unix seconds): the end of its refresh grace, so it can be neither used
    /// nor refreshed while the revocation is kept.
    /// - Returns: whether this call revoked it (`false`: it was revoked already).
    @discardableResult
    func revokeToken(id: String, until: Int64) async throws -> Bool
    /// Whether the token was revoked.
    func isTokenRevoked(id: String) async throws -> Bool

    /// Takes one unit from the rate limit `key` (generic cell rate algorithm: at most `limit` per `periodMillis`).
    ///
    /// - Returns: `nil` when allowed, or how many milliseconds to wait before the next unit is available.
    func acquireRateLimit(key: String, limit: Int, periodMillis: Int64, nowMillis: Int64) async throws -> Int64?
    /// How long the rate limit `key` would make a request wait, without taking a unit: `nil` when it would allow one.
    func rateLimitWait(key: String, limit: Int, periodMillis: Int64, nowMillis: Int64) async throws -> Int64?

    // MARK: Sealed secrets

    /// A server-wide sealed secret (the token signing key, the operator key), created with `makeSealed` on first use.
    ///
    /// Safe when several processes start at once: the first insert wins and everyone reads the winner.
    func serverSecret(name: String, orInsert makeSealed: @Sendable () throws -> [UInt8]) async throws -> [UInt8]

    /// The identifier of the master key values must be sealed under (the fence), set to `identifier` first when
    /// none is set (a new database).
    ///
    /// A value sealed under any other key is refused by the database itself: the write throws
    /// ``StoreError/unavailable(_:)`` with ``StoreError/Unavailability/outdatedMasterKey``.
    func sealingKeyIdentifier(settingIfAbsent identifier: [UInt8]) async throws -> [UInt8]

    /// Moves the fence to `identifier` and rewrites every sealed value (webhook secrets, server secrets, the
    /// secrets kept for idempotent regenerations) through `reseal`, in one transaction.
    ///
    /// `reseal` receives each value with its sealing purpose and returns the value to store, sealed under
    /// `identifier`.
    /// - Returns: how many values were rewritten.
    func resealAll(
        under identifier: [UInt8],
        _ reseal: @Sendable (_ sealed: [UInt8], _ purpose: String) throws -> [UInt8]
    ) async throws -> Int

    // MARK: Events and deliveries

    /// Stores several events and their pending deliveries as ``publish(_:attemptsAllowed:now:lease:)`` would, each
    /// idempotent on its own, in as few transactions as the database allows (one for SQLite): for publishes that
    /// arrive together, and for loading a backlog.
    /// - Returns: for each event in order, its delivery's id and whether this call created it.
    func publishAll(_ events: [NewEvent], attemptsAllowed: Int, now: Int64) async throws -> [PublishOutcome]

    /// Stores an event and its pending delivery in one transaction, due at `now` (Unix milliseconds).
    ///
    /// Idempotent on `(appID, eventID)`: when the event exists already, nothing is written and the first one stands.
    /// A test event is written already leased to the caller (`lease`), so no dispatcher takes it while the
    /// caller sends it; after a crash the lease expires and it is delivered like any other.
    /// - Returns: the delivery's id, and whether this call created it.
    func publish(
        _ event: NewEvent,
        attemptsAllowed: Int,
        now: Int64,
        lease: (id: String, until: Int64)?
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
        now: Int64,
        leaseUntil: Int64
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

    /// When a claim may next find work (Unix milliseconds), if ever: the earliest due time among apps with a URL
    /// and fewer than `perAppLimit` deliveries leased, or the earliest lease to run out.
    ///
    /// An app at its limit is left out: it moves again when one of its attempts finishes, which wakes the
    /// dispatcher that made it. The answer may be early (a claim then finds nothing), never late.
    func nextDueTime(perAppLimit: Int) async throws -> Int64?

    /// Drops every lease, making those deliveries due again. Only for a store one dispatcher owns alone (SQLite under
    /// the data-dir lock), at start.
    func releaseAllLeases() async throws

    /// A page of the app's deliveries, newest first, with the total that match.
    func deliveries(
        appID: String,
        status: DeliveryStatus?,
        event: String?,
        limit: Int,
        offset: Int
    ) async throws -> (items: [DeliverySummary], total: Int)

    /// One of the app's deliveries with its payload and attempts.
    func delivery(appID: String, id: String) async throws -> DeliveryDetail?

    /// Makes one of the app's deliveries due now, allowing it one more attempt, unless it has been requeued
    /// `maximumManualRetries` times already.
    func requeueDelivery(
        appID: String,
        id: String,
        now: Int64,
        maximumManualRetries: Int
    ) async throws -> RequeueOutcome

    // MARK: Retention

    /// Deletes up to `limit` finished (succeeded or failed) deliveries created before `createdBefore` (Unix
    /// milliseconds), with their attempts and their events, in one short transaction. Pending deliveries are kept
    /// whatever their age.
    /// - Returns: how many deliveries were deleted; fewer than `limit` means none is left to delete.
    func purgeFinishedDeliveries(createdBefore: Int64, limit: Int) async throws -> Int

    /// Forgets what has expired by `now` (Unix milliseconds): revocations past their end, idempotency keys older than
    /// `idempotencyKeysBefore`, and rate limits untouched for an hour.
    func purgeExpired(now: Int64, idempotencyKeysBefore: Int64) async throws

    // MARK: Several processes

    /// Whether several hookd processes may share this store's delivery queue (PostgreSQL). A store that is not
    /// shared (SQLite, under the data-dir lock) lets its one dispatcher drop stale leases at start.
    var isSharedAcrossProcesses: Bool { get }

    /// Calls `wake` whenever any process publishes or requeues a delivery, until the calling task is cancelled.
    ///
    /// A store that is not shared returns at once: its own process wakes its dispatcher directly.
    /// - Throws: When the notification channel fails; the caller reconnects.
    func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws

    // MARK: Health

    /// Runs a trivial query; throws when the database does not answer.
    func ping() async throws
}

/// A new sealed secret and what to write to the audit trail about it.
public struct SealedSecretChange: Sendable {
    /// The secret sealed by ``SecretSealer``.
    public var sealedSecret: [UInt8]
    /// The fingerprint of the secret in the clear.
    public var fingerprint: String
    /// The request making the change.
    public var requestID: String
    /// The client's address, when known.
    public var clientAddress: String?

    public init(sealedSecret: [UInt8], fingerprint: String, requestID: String, clientAddress: String?) {
        self.sealedSecret = sealedSecret
        self.fingerprint = fingerprint
        self.requestID = requestID
        self.clientAddress = clientAddress
    }
}

/// What storing one event did: its delivery's id, and whether this call created it (`false`: it existed already).
public typealias PublishOutcome = (deliveryID: String, created: Bool)

/// An `Idempotency-Key` as a store keeps it: the key, and the time before which a stored one no longer counts.
public struct IdempotencyKey: Sendable {
    /// The client's key (1–255 printable ASCII characters).
    public var key: String
    /// Unix seconds: a key stored before this is expired and is taken again as new.
    public var notBefore: Int64

    public init(key: String, notBefore: Int64) {
        self.key = key
        self.notBefore = notBefore
    }
}

/// What ``Store/replaceWebhookSecret(appID:change:now:idempotencyKey:)`` did.
public enum SecretReplacement: Sendable {
    /// The secret was replaced: the configuration after the write.
    case replaced(WebhookEndpoint)
    /// An earlier call with the same idempotency key stands: the secret it stored (sealed) and when, Unix seconds.
    case repeated(sealedSecret: [UInt8], regeneratedAt: Int64)
    /// The app has no URL configured; nothing was written.
    case notConfigured
}

/// What ``Store/requeueDelivery(appID:id:now:maximumManualRetries:)`` did.
public enum RequeueOutcome: Sendable, Equatable {
    /// Due now: the delivery after the change.
    case requeued(DeliverySummary)
    /// It has been requeued as many times as allowed; nothing changed.
    case limitReached
    /// The app has no such delivery.
    case notFound
}
