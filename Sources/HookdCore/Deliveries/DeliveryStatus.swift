/// Where a delivery stands.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    /// Waiting for its next attempt (or for a URL to be set again).
    case pending = "PENDING"
    /// A 2xx answer was received.
    case succeeded = "SUCCEEDED"
    /// Every allowed attempt failed.
    case failed = "FAILED"
    /// Its endpoint was deleted before it was delivered (SPEC §11): kept in the log, never sent.
    case cancelled = "CANCELLED"
}
