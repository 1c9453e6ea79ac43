import HookdCore
import HookdVerify
import Hummingbird
import Logging
import Synchronization

/// Lets through the operator: the operator key as the bearer, or (where the route allows it) the operator's portal
/// session with its CSRF token for a change.
///
/// A wrong key counts against the client's limit of failed credentials (`--login-failures-per-address`, shared with
/// `POST /auth/token`). Past it, the client's key is not even compared until the limit has room again: it is answered
/// `429` on this node from memory, so a flood of guesses costs one small write each up to the limit and nothing after.
struct OperatorGate: Sendable {
    let operatorKey: String
    let portal: PortalSessions
    let limiter: RateLimiter
    /// Failed credentials one client address may present a minute.
    let failuresPerAddress: Int
    let refused = RefusedClients()

    /// - Parameter acceptingPortalSession: whether the operator's portal session may stand for the key.
    /// - Throws: ``APIError`` `AUTH_TOKEN_MISSING` or `AUTH_TOKEN_INVALID`, or `RATE_LIMIT_EXCEEDED` for a client
    ///   past its failures.
    func authorize(
        _ request: Request,
        context: HookdRequestContext,
        acceptingPortalSession: Bool = true
    ) async throws {
        if let presented = Authenticator.bearerToken(in: request.headers) {
            let client = context.clientAddress ?? "unknown"
            let now = limiter.clock.unixMillis
            try RateLimiter.refuse(ifWaiting: refused.wait(of: client, now: now))
            guard ConstantTime.equals(presented.utf8, operatorKey.utf8) else {
                let key = "login-failures:address:\(client)"
                if let wait = try await limiter.wait(taking: key, perMinute: failuresPerAddress) {
                    refused.refuse(client, until: now + wait, now: now)
                    context.logger.warning("operator key refused: too many failures from one client")
                    try RateLimiter.refuse(ifWaiting: wait)
                }
                throw APIError.tokenInvalid("This route takes the operator key")
            }
            return
        }
        guard request.headers[.authorization] == nil, acceptingPortalSession,
            let session = try await portal.session(of: request)
        else { throw APIError.tokenMissing }
        guard session.app == nil else { throw APIError.tokenInvalid("This route takes the operator's session") }
    }

    /// The clients this node refuses without comparing their key, until a time.
    final class RefusedClients: Sendable {
        private let until = Mutex<[String: UnixMillis]>([:])

        /// How long `client` is still refused, or `nil`.
        func wait(of client: String, now: UnixMillis) -> Duration? {
            until.withLock { until in
                guard let end = until[client] else { return nil }
                guard end > now else {
                    until[client] = nil
                    return nil
                }
                return end - now
            }
        }

        /// Refuses `client` until `end`; forgets every client whose time has passed.
        func refuse(_ client: String, until end: UnixMillis, now: UnixMillis) {
            until.withLock { until in
                until = until.filter { $0.value > now }
                until[client] = end
            }
        }
    }
}
