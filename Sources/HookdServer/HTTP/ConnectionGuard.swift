import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Keeps clients from holding the API listener's connections: at most a number of them open at once (one more is
/// answered `503 SERVICE_UNAVAILABLE` and closed at once), and a request's body must arrive within a time of its head.
///
/// The time a connection may wait for a request's head (keep-alive idle, or a head sent slowly) is bounded by the
/// HTTP/1 channel's idle timeout, which the listener sets beside this handler.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The connections one listener has open, shared by all of them.
    final class OpenConnections: Sendable {
        let count = Atomic<Int>(0)

        init() {}
    }

    private let open: OpenConnections
    private let maximumConnections: Int
    private let requestTimeout: TimeAmount
    /// The body of the answer to a connection over the limit (an envelope), made when one is refused.
    private let refusal: @Sendable () -> (requestID: String, body: [UInt8])
    private var counted = false
    private var refused = false
    private var bodyDeadline: Scheduled<Void>?

    init(
        open: OpenConnections,
        maximumConnections: Int,
        requestTimeout: TimeAmount,
        refusal: @escaping @Sendable () -> (requestID: String, body: [UInt8])
    ) {
        self.open = open
        self.maximumConnections = maximumConnections
        self.requestTimeout = requestTimeout
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
        bodyDeadline?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head:
            let channel = context.channel
            bodyDeadline = context.eventLoop.scheduleTask(in: requestTimeout) {
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
        guard now > maximumConnections else { return }
        refused = true
        let (requestID, body) = refusal()
        var head = HTTPResponse(status: .serviceUnavailable)
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.retryAfter] = "1"
        head.headerFields[.connection] = "close"
        head.headerFields[.requestID] = requestID
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
