import HTTPTypes
import HookdCore
import Hummingbird

/// Names a request's client behind the proxies the operator trusts (`--trusted-proxies`, SPEC §13): the rightmost
/// `X-Forwarded-For` address that is not a trusted proxy, when the peer is one (``ForwardedClient``). Every limit and
/// log that is per client reads ``HookdRequestContext/clientAddress`` after it.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = HookdRequestContext

    let trustedProxies: [AddressRange]

    func handle(
        _ request: Request,
        context: HookdRequestContext,
        next: (Request, HookdRequestContext) async throws -> Response
    ) async throws -> Response {
        guard !trustedProxies.isEmpty else { return try await next(request, context) }
        var context = context
        context.clientAddress = ForwardedClient.address(
            peer: context.clientAddress,
            forwardedFor: request.headers[values: .xForwardedFor],
            trusted: trustedProxies
        )
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    /// `X-Forwarded-For`.
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
