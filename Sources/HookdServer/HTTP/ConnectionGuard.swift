import HTTPTypes
import HookdCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Keeps clients from holding the API listener's connections: at most a number of them open at once (one more is
/// answered `503 SERVICE_UNAVAILABLE` and closed at once), at most a number from one peer address (one more is
/// answered `429 RATE_LIMIT_EXCEEDED` and closed; trusted proxies are not held to it, since every client behind them
/// shares their address), and a request's body must arrive within a time of its head.
///
/// The time a connection may wait for a request's head (keep-alive idle, or a head sent slowly) is bounded by the
/// HTTP/1 channel's idle timeout, which the listener sets beside this handler.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The connections one listener has open, in all and by peer address, shared by all of them.
    final class OpenConnections: Sendable {
        let count = Atomic<Int>(0)
        private let byAddress = Mutex<[String: Int]>([:])

        init() {}

        /// Counts one more connection from `address`. - Returns: how many it now has open.
        func opened(from address: String) -> Int {
            byAddress.withLock { counts in
                counts[address, default: 0] += 1
                return counts[address]!
            }
        }

        /// Counts one connection from `address` fewer; an address with none is forgotten.
        func closed(from address: String) {
            byAddress.withLock { counts in
                let left = (counts[address] ?? 1) - 1
                counts[address] = left > 0 ? left : nil
            }
        }

        /// The addresses with a connection open (for tests).
        var addressCount: Int { byAddress.withLock { $0.count } }
    }

    /// The limits on connections.
    struct Limits: Sendable {
        /// Connections open at once, from everyone.
        var maximumConnections: Int
        /// Connections open at once from one peer address that is not a trusted proxy.
        var maximumConnectionsPerAddress: Int
        /// Peers not held to ``maximumConnectionsPerAddress`` (`--trusted-proxies`).
        var trustedProxies: [AddressRange]
        /// How long a request's body may take to arrive once its head has.
        var requestTimeout: TimeAmount
    }

    private let open: OpenConnections
    private let limits: Limits
    /// The answer to a connection over a limit (an envelope for `error`), made when one is refused.
    private let refusal: @Sendable (APIError) -> (requestID: RequestID, body: [UInt8])
    private var counted = false
    /// The peer address counted against its own limit, if any.
    private var countedAddress: String?
    private var refused = false
    private var bodyDeadline: Scheduled<Void>?

    init(
        open: OpenConnections,
        limits: Limits,
        refusal: @escaping @Sendable (APIError) -> (requestID: RequestID, body: [UInt8])
    ) {
        self.open = open
        self.limits = limits
        self.refusal = refusal
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted {
            counted = false
            open.count.subtract(1, ordering: .relaxed)
        }
        if let address = countedAddress {
            countedAddress = nil
            open.closed(from: address)
        }
        bodyDeadline?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head:
            let channel = context.channel
            bodyDeadline = context.eventLoop.scheduleTask(in: limits.requestTimeout) {
                // The body did not arrive in time: nothing is answered on a connection left mid-request.
                channel.close(promise: nil)
            }
        case .body:
            break
        case .end:
            bodyDeadline?.cancel()
            bodyDeadline = nil
        }
        context.fireChannelRead(data)
    }

    private func opened(_ context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        let now = open.count.add(1, ordering: .relaxed).newValue
        guard now <= limits.maximumConnections else { return refuse(context, with: .connectionLimit) }
        guard let peer = context.channel.remoteAddress?.ipAddress, !isTrustedProxy(peer) else { return }
        countedAddress = peer
        guard open.opened(from: peer) <= limits.maximumConnectionsPerAddress else {
            return refuse(context, with: .connectionLimitPerAddress)
        }
    }

    private func isTrustedProxy(_ peer: String) -> Bool {
        guard !limits.trustedProxies.isEmpty, let address = IPAddress(literal: peer) else { return false }
        return limits.trustedProxies.contains { $0.contains(address) }
    }

    /// Answers `error` on a connection over a limit, without reading its request, and closes it.
    private func refuse(_ context: ChannelHandlerContext, with error: APIError) {
        refused = true
        let (requestID, body) = refusal(error)
        var head = HTTPResponse(status: error.status)
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.retryAfter] = "1"
        head.headerFields[.connection] = "close"
        head.headerFields[.requestID] = requestID.rawValue
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
