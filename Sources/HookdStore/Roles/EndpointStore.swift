public import HookdCore

/// An app's v3.20 endpoints (SPEC §11): create, read, change, delete, rotate their secrets, recover their failed
/// deliveries, and read their attempts for statistics.
///
/// Every method takes the caller's `appID`: another app's endpoint is "not found", never "forbidden". Endpoints
/// that were deleted are not found either. The app's v3 URL is listed as an endpoint once it has a URL.
public protocol EndpointStore: Sendable {
    /// Stores a new endpoint with its first secret, and the secret's audit record, in one transaction, unless the
    /// app already has `limit` v3.20 endpoints (not deleted; the v3 URL does not count).
    ///
    /// The count and the insert are one step: endpoints created in parallel never take an app past its limit.
    /// - Returns: `false` when the app was at its limit (nothing was written).
    func createEndpoint(_ endpoint: Endpoint, secret: SealedSecretChange, limit: Int) async throws -> Bool

    /// A page of the app's endpoints, oldest first, with the total.
    func endpoints(appID: AppID, limit: Int, offset: Int) async throws -> (items: [Endpoint], total: Int)

    /// One of the app's endpoints.
    func endpoint(appID: AppID, id: EndpointID) async throws -> Endpoint?

    /// The endpoint whose public keys are served under `publicKeysToken` (SPEC §15), whichever app it is of; not
    /// deleted endpoints only.
    func endpoint(publicKeysToken: String) async throws -> Endpoint?

    /// Applies `change` to one of the app's endpoints in one write.
    ///
    /// Enabling an endpoint clears its disabled reason and its run of failures, and makes the pending deliveries that
    /// waited for it due now.
    /// - Returns: the endpoint after the change, or `nil` when there is none.
    func updateEndpoint(
        appID: AppID,
        id: EndpointID,
        _ change: EndpointChange,
        now: UnixSeconds
    ) async throws -> Endpoint?

    /// Deletes one of the app's endpoints: it is no longer listed or sent to, and its pending deliveries are
    /// cancelled (kept in the log as `CANCELLED`), in one transaction.
    /// - Returns: whether there was such an endpoint.
    func deleteEndpoint(appID: AppID, id: EndpointID, now: UnixSeconds) async throws -> Bool

    /// Replaces an endpoint's secret, in one transaction with the audit record.
    ///
    /// With `overlapUntil`, the secret it replaces stays in use beside the new one until then (every delivery is
    /// signed by both); without, it is dead at once.
    /// - Returns: the endpoint after the change, or `nil` when there is none.
    func rotateEndpointSecret(
        appID: AppID,
        id: EndpointID,
        change: SealedSecretChange,
        secretPrefix: String,
        overlapUntil: UnixMillis?,
        now: UnixSeconds
    ) async throws -> Endpoint?

    /// Makes at most `limit` `FAILED` deliveries of an endpoint created in `window` due at `now`, oldest first,
    /// allowing each one more attempt; each counts as one of the delivery's manual retries, and a delivery already
    /// requeued `maximumManualRetries` times is left as it is.
    ///
    /// The work is done in writes of at most ``recoveryBatchSize`` deliveries each, so no write holds the
    /// database for long however many failed; a delivery is queued at most once per call.
    /// - Returns: how many were queued and whether more remain, or `nil` when the app has no such endpoint.
    func recoverDeliveries(
        appID: AppID,
        endpointID: EndpointID,
        createdIn window: Range<UnixMillis>,
        now: UnixMillis,
        limit: Int,
        maximumManualRetries: Int
    ) async throws -> RecoveryOutcome?

    /// The attempts made to an endpoint in the `hours` whole hours from `start`, aggregated by the database hour
    /// by hour: counts of successes and failures, and the exact nearest-rank latency p50 and p95.
    ///
    /// Only the aggregates leave the database: the memory used does not grow with the number of attempts.
    /// - Returns: the hours that had attempts, oldest first, or `nil` when the app has no such endpoint.
    func attemptHours(
        appID: AppID,
        endpointID: EndpointID,
        from start: UnixMillis,
        hours: Int
    ) async throws
        -> [AttemptHour]?
}

extension EndpointStore {
    /// The most deliveries one write of a recovery queues again: 500, a few milliseconds of the writer.
    public static var recoveryBatchSize: Int { 500 }
}

/// What a recovery did.
public struct RecoveryOutcome: Sendable, Equatable {
    /// How many deliveries were queued again.
    public var queued: Int
    /// Whether failed deliveries of the window that may still be recovered were left for another call.
    public var hasMore: Bool

    public init(queued: Int, hasMore: Bool) {
        self.queued = queued
        self.hasMore = hasMore
    }
}

/// One hour of an endpoint's attempts.
public struct AttemptHour: Sendable, Equatable {
    /// The hour's start.
    public var start: UnixMillis
    public var succeeded: Int
    public var failed: Int
    /// The nearest-rank percentiles of the hour's latencies, in whole milliseconds as attempts record them: the
    /// smallest latency with at least half (95 %) of the hour's attempts at or below it.
    public var latencyP50: Duration
    public var latencyP95: Duration

    public init(start: UnixMillis, succeeded: Int, failed: Int, latencyP50: Duration, latencyP95: Duration) {
        self.start = start
        self.succeeded = succeeded
        self.failed = failed
        self.latencyP50 = latencyP50
        self.latencyP95 = latencyP95
    }
}

/// What a `PATCH` changes: only the members that are set (a doubly optional member set to `.some(nil)` clears).
public struct EndpointChange: Sendable {
    public var url: String?
    public var description: String?
    /// Catalogue (dot) names.
    public var events: [String]?
    public var enabled: Bool?
    /// The custom headers sealed (``EndpointHeaders/sealed(by:appID:endpointID:)``); `.some(nil)`: none any more.
    public var sealedHeaders: [UInt8]??
    public var rateLimit: Int??
    /// From `KEYED` to `NONE`, every delivery waiting behind an earlier one of its key is due at once (SPEC §15).
    public var ordering: EndpointOrdering?
    /// Attempts allowed to the `webhook.endpoint.enabled` deliveries that enabling a disabled endpoint sends (SPEC
    /// §14).
    public var noticeAttemptsAllowed: Int

    public init(
        url: String? = nil,
        description: String? = nil,
        events: [String]? = nil,
        enabled: Bool? = nil,
        sealedHeaders: [UInt8]?? = nil,
        rateLimit: Int?? = nil,
        ordering: EndpointOrdering? = nil,
        noticeAttemptsAllowed: Int = 1
    ) {
        self.url = url
        self.description = description
        self.events = events
        self.enabled = enabled
        self.sealedHeaders = sealedHeaders
        self.rateLimit = rateLimit
        self.ordering = ordering
        self.noticeAttemptsAllowed = noticeAttemptsAllowed
    }
}
