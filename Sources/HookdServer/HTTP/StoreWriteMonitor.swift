import HookdCore
import HookdStore
import Logging
import Synchronization

/// Whether the store can write, as this node last saw it: from requests that failed because it could not (a full
/// disk, a read-only database), and from the small write `GET /health` makes at most every ``probeInterval``.
///
/// A full disk is not all or nothing: SQLite reuses its write-ahead log's space, so a small write may pass while a
/// larger one fails. So the store counts as unable to write for ``failureWindow`` after any write failed, whatever
/// the probes say, and `/health` turns healthy again once that long has passed without a failure and a probe passes.
/// It logs one line a minute at most while writes fail, and counts them for `/metrics`.
final class StoreWriteMonitor: Sendable {
    /// How long one failed write keeps the store reported unable to write: 10 s.
    static let failureWindow = Duration.seconds(10)
    /// How often `/health` writes its probe at most: every 5 s (the answer is kept between).
    static let probeInterval = Duration.seconds(5)
    /// How often a failing store is logged at most: once a minute.
    static let logInterval = Duration.seconds(60)

    private struct State {
        var lastFailure: (at: UnixMillis, reason: String)?
        var lastLogged: UnixMillis?
        var lastProbe: (at: UnixMillis, reason: String?)?
        var failures = 0
    }

    private let state = Mutex(State())
    private let store: any HealthProbe
    private let clock: any WallClock
    private let logger: Logger

    init(store: any HealthProbe, clock: any WallClock, logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Notes a write that failed for `reason`, and logs it unless a line was logged within the last minute.
    func recordFailure(_ reason: String) {
        let now = clock.unixMillis
        let shouldLog = state.withLock { state in
            state.lastFailure = (now, reason)
            state.failures += 1
            guard state.lastLogged.map({ now - $0 >= Self.logInterval }) ?? true else { return false }
            state.lastLogged = now
            return true
        }
        if shouldLog {
            logger.error(
                "the database cannot write; answering 503 until it can",
                metadata: ["hookd.store.problem": .string(reason)]
            )
        }
    }

    /// Why the store cannot write, or `nil` when it can: a failure within ``failureWindow``, or the probe's answer
    /// (written now if the last one is older than ``probeInterval``).
    func problem() async -> String? {
        let now = clock.unixMillis
        let (recent, probe) = state.withLock { state in
            let recent = state.lastFailure.flatMap { now - $0.at < Self.failureWindow ? $0.reason : nil }
            let probe = state.lastProbe.flatMap { now - $0.at < Self.probeInterval ? $0 : nil }
            return (recent, probe)
        }
        if let recent { return recent }
        if let probe { return probe.reason }
        var reason: String?
        do {
            try await store.probeWrite(now: now)
        } catch {
            // A store that does not answer at all is the ping's to report; only "cannot write" is this one's.
            reason = StoreError.reading(error)?.cannotWriteReason
            if let reason { recordFailure(reason) }
        }
        state.withLock { $0.lastProbe = (now, reason) }
        return reason
    }

    /// The failed writes seen since start, and whether the store can write as last seen (for `/metrics`).
    var exposition: String {
        let (failures, writable) = state.withLock { state in
            let now = clock.unixMillis
            let failing =
                state.lastFailure.map { now - $0.at < Self.failureWindow } ?? false
                || state.lastProbe?.reason != nil
            return (state.failures, !failing)
        }
        return """
            # HELP hookd_store_write_failures_total Requests and health probes that failed because the database could not write
            # TYPE hookd_store_write_failures_total counter
            hookd_store_write_failures_total \(failures)
            # HELP hookd_store_writable Whether the database could write when last seen (1) or not (0)
            # TYPE hookd_store_writable gauge
            hookd_store_writable \(writable ? 1 : 0)

            """
    }
}
