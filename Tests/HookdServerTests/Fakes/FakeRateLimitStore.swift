import HookdCore
import HookdStore
import Synchronization

/// A ``RateLimitStore`` that answers every request with the same wait, and remembers what it was asked.
final class FakeRateLimitStore: RateLimitStore, Sendable {
    /// One question the store was asked.
    struct Request: Equatable {
        let key: String
        let limit: Int
        let period: Duration
        let now: UnixMillis
        /// Whether the request would take a unit (``acquireRateLimit(key:limit:period:now:)``), or gave one back.
        let takes: Bool
        var refunds = false
    }

    private let wait: Duration?
    private let asked = Mutex<[Request]>([])

    /// - Parameter wait: What every request answers: `nil` allows it.
    init(wait: Duration?) {
        self.wait = wait
    }

    var requests: [Request] { asked.withLock { $0 } }

    func acquireRateLimit(key: String, limit: Int, period: Duration, now: UnixMillis) async throws -> Duration? {
        asked.withLock { $0.append(Request(key: key, limit: limit, period: period, now: now, takes: true)) }
        return wait
    }

    func rateLimitWait(key: String, limit: Int, period: Duration, now: UnixMillis) async throws -> Duration? {
        asked.withLock { $0.append(Request(key: key, limit: limit, period: period, now: now, takes: false)) }
        return wait
    }

    func refundRateLimit(key: String, limit: Int, period: Duration, now: UnixMillis) async throws {
        asked.withLock {
            $0.append(Request(key: key, limit: limit, period: period, now: now, takes: false, refunds: true))
        }
    }
}
