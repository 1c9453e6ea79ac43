import HookdCore
import Hummingbird

/// Lets through the operator: the operator key as the bearer, or (where the route allows it) the operator's portal
/// session with its CSRF token for a change.
struct OperatorGate: Sendable {
    let operatorKey: String
    let portal: PortalSessions

    /// - Parameter acceptingPortalSession: whether the operator's portal session may stand for the key.
    /// - Throws: ``APIError`` `AUTH_TOKEN_MISSING` or `AUTH_TOKEN_INVALID`.
    func authorize(_ request: Request, acceptingPortalSession: Bool = true) async throws {
        if let presented = Authenticator.bearerToken(in: request.headers) {
            guard ConstantTime.equals(presented.utf8, operatorKey.utf8) else {
                throw APIError.tokenInvalid("This route takes the operator key")
            }
            return
        }
        guard request.headers[.authorization] == nil, acceptingPortalSession,
            let session = try await portal.session(of: request)
        else { throw APIError.tokenMissing }
        guard session.app == nil else { throw APIError.tokenInvalid("This route takes the operator's session") }
    }
}
