/// Whether an endpoint keeps the order of events that share an ordering key (SPEC §15).
public enum EndpointOrdering: String, Sendable, CaseIterable {
    /// Events go in parallel, as the scheduler's shares allow (the default).
    case none = "NONE"
    /// Events that share an ``OrderingKey`` go one at a time, in publish order: the next waits until the previous
    /// one succeeded or failed its last attempt. Different keys, and events without one, go in parallel.
    case keyed = "KEYED"
}
