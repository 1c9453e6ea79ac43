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
    func endpoints(appID: String, limit: Int, offset: Int) async throws -> (items: [Endpoint], total: Int)

    /// One of the app's endpoints.
    func endpoint(appID: String, id: String) async throws -> Endpoint?

    /// Applies `change` to one of the app's endpoints in one write.
    ///
    /// Enabling an endpoint clears its disabled reason and its run of failures, and makes the pending deliveries that
    /// waited for it due now.
    /// - Returns: the endpoint after the change, or `nil` when there is none.
    func updateEndpoint(appID: String, id: String, _ change: EndpointChange, now: UnixSeconds) async throws -> Endpoint?

    /// Deletes one of the app's endpoints: it is no longer listed or sent to, and its pending deliveries are
    /// cancelled (kept in the log as `CANCELLED`), in one transaction.
    /// - Returns: whether there was such an endpoint.
    func deleteEndpoint(appID: String, id: String, now: UnixSeconds) async throws -> Bool

    /// Replaces an endpoint's secret, in one transaction with the audit record.
    ///
    /// With `overlapUntil`, the secret it replaces stays in use beside the new one until then (every delivery is
    /// signed by both); without, it is dead at once.
    /// - Returns: the endpoint after the change, or `nil` when there is none.
    func rotateEndpointSecret(
        appID: String,
        id: String,
        change: SealedSecretChange,
        secretPrefix: String,
        overlapUntil: UnixMillis?,
        now: UnixSeconds
    ) async throws -> Endpoint?

    /// Makes every `FAILED` delivery of an endpoint created in `window` due at `now`, allowing each one more attempt.
    /// - Returns: how many were queued again, or `nil` when the app has no such endpoint.
    func recoverDeliveries(
        appID: String,
        endpointID: String,
        createdIn window: Range<UnixMillis>,
        now: UnixMillis
    ) async throws -> Int?

    /// The attempts made to an endpoint since `since`, oldest first: when, how long, and whether each succeeded.
    func attemptSamples(appID: String, endpointID: String, since: UnixMillis) async throws -> [AttemptSample]?
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

    public init(
        url: String? = nil,
        description: String? = nil,
        events: [String]? = nil,
        enabled: Bool? = nil,
        sealedHeaders: [UInt8]?? = nil,
        rateLimit: Int?? = nil
    ) {
        self.url = url
        self.description = description
        self.events = events
        self.enabled = enabled
        self.sealedHeaders = sealedHeaders
        self.rateLimit = rateLimit
    }
}

/// One attempt, as endpoint statistics need it.
public struct AttemptSample: Sendable, Equatable {
    public var startedAt: UnixMillis
    public var latencyMillis: Int64
    public var succeeded: Bool

    public init(startedAt: UnixMillis, latencyMillis: Int64, succeeded: Bool) {
        self.startedAt = startedAt
        self.latencyMillis = latencyMillis
        self.succeeded = succeeded
    }
}
