public import HookdCore

/// What the operator sees of the whole service: every app's backlog and every app's attempts over time.
///
/// These are the only reads that span tenants; only the operator's routes use them.
public protocol ServiceOverview: Sendable {
    /// How many deliveries each app has still `PENDING`, by app id; an app with none is absent.
    func pendingDeliveryCounts() async throws -> [AppID: Int]

    /// The attempts of every app started at or after `since`, counted in buckets of `bucket` (aligned to multiples
    /// of it since the epoch), oldest first; a bucket without attempts is absent.
    func attemptCounts(since: UnixMillis, bucket: Duration) async throws -> [AttemptCount]
}

/// The attempts of one bucket of time: those answered with a 2xx, and the rest.
public struct AttemptCount: Sendable, Equatable {
    /// The bucket's start.
    public var start: UnixMillis
    public var succeeded: Int
    public var failed: Int

    public init(start: UnixMillis, succeeded: Int, failed: Int) {
        self.start = start
        self.succeeded = succeeded
        self.failed = failed
    }
}
