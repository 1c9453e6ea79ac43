public import HookdCore

/// What a health check asks of the store: does the database answer, and can it write.
public protocol HealthProbe: Sendable {
    /// Runs a trivial query; throws when the database does not answer.
    func ping() async throws

    /// Writes and commits one small row (the time of the probe); throws when the database cannot write, for a
    /// health check that must see a full disk before a publish does.
    func probeWrite(now: UnixMillis) async throws
}
