import HookdCore
import Hummingbird
import Logging
import NIOCore

/// What hookd knows about a request while it is handled: its id, the client's address, and who it is from.
struct HookdRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// `req_` and 24 hex digits, sent back in `meta.requestId` and `X-Request-Id`.
    let requestID: RequestID
    /// The client's IP address, when the request came over a socket: the peer's, or behind a trusted proxy the one
    /// it forwarded the request for (``ClientAddressMiddleware``).
    var clientAddress: String?
    /// The authenticated app, set by ``AuthenticationMiddleware``.
    var principal: Principal?
    /// How the route answers: as v3 does, or as Fyatu's v3.20 multi-endpoint pages do (``EnvelopeMiddleware``).
    var dialect: APIDialect = .v3

    init(source: ApplicationRequestContextSource) {
        let requestID = Identifiers.requestID()
        var logger = source.logger
        logger[metadataKey: "hb.request.id"] = nil
        logger[metadataKey: "hookd.request.id"] = .string(requestID.rawValue)
        self.coreContext = .init(source: ApplicationRequestContextSource(channel: source.channel, logger: logger))
        self.requestID = requestID
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The authenticated app; routes behind ``AuthenticationMiddleware`` always have one.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIError.tokenMissing }
        return principal
    }
}
