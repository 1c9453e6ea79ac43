import HookdCore
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS

/// One request of an attempt, ready to write.
struct ExchangeRequest: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer
}

/// What one request/response exchange on a connection came to.
enum ExchangeResult: Sendable {
    /// A status line and headers arrived, and then the whole body or as much of it as hookd keeps.
    case answered(status: Int, headers: HTTPHeaders, body: [UInt8], reusable: Bool)
    /// The exchange ended without a complete answer; `body` holds what arrived of one, `nothingReceived` says
    /// whether the receiver sent anything at all (a kept-alive connection it had closed sends nothing).
    case failed(AttemptFailure, body: [UInt8], nothingReceived: Bool)
}

/// How far an exchange got, for the log when it ends without a complete answer.
struct ExchangeProgress {
    let usesTLS: Bool
    var tlsEstablished = false
    var requestSent = false
    var bytesReceived = 0
    var status: Int?
    var bodyBytes = 0

    var description: String {
        if let status {
            return "HTTP \(status) received, its body unfinished after \(bodyBytes) bytes"
        }
        if bytesReceived > 0 {
            return "\(bytesReceived) bytes received, without a complete status line and headers"
        }
        if usesTLS && !tlsEstablished {
            return "connected, the TLS handshake not finished"
        }
        return requestSent ? "request sent, nothing received" : "connected, the request not fully sent"
    }
}

/// Counts the bytes a receiver sends and cuts off a status line and headers that grow past the limit.
///
/// Sits between TLS and the HTTP decoder, so it counts what the receiver said, not what it encrypted.
final class ReceivedBytesCounter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The numbers the exchange handler reads; shared on the connection's event loop.
    final class Tally {
        var bytes = 0
        /// Bytes received when the current answer's head was complete; `nil` while it is still arriving.
        var atHead: Int?
        /// Bytes received before the current exchange began.
        var atStart = 0
    }

    let tally: Tally
    let maximumHeadBytes: Int

    init(tally: Tally, maximumHeadBytes: Int) {
        self.tally = tally
        self.maximumHeadBytes = maximumHeadBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        tally.bytes += unwrapInboundIn(data).readableBytes
        if tally.atHead == nil, tally.bytes - tally.atStart > maximumHeadBytes {
            context.fireErrorCaught(ResponseHeadTooLarge(limit: maximumHeadBytes))
            return
        }
        context.fireChannelRead(data)
    }
}

/// The receiver's status line and headers did not end within the limit.
struct ResponseHeadTooLarge: Error {
    let limit: Int
}

/// Runs one exchange at a time on a connection: writes the request, reads the answer, and ends the exchange at
/// its deadline whatever the receiver does (stalls, drips, sends forever, resets), so the attempt's slot is free.
///
/// Between exchanges the connection waits idle (kept alive for the next attempt to the same address) and closes
/// itself after the idle timeout. Anything a receiver sends while no exchange runs closes the connection.
final class WebhookExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private struct Exchange {
        let promise: EventLoopPromise<ExchangeResult>
        let timeout: Duration
        var deadline: Scheduled<Void>?
        var progress: ExchangeProgress
        var head: HTTPResponseHead?
        var body: [UInt8] = []
    }

    private enum State {
        case idle(closing: Scheduled<Void>?)
        case exchanging(Exchange)
        case closed
    }

    private var state: State = .idle(closing: nil)
    private var context: ChannelHandlerContext?
    private var tlsEstablished = false
    /// What ended the connection while no exchange ran (a TLS handshake that failed before the first request was
    /// handed over): the next exchange reports it instead of a bare "closed".
    private var failureWhileIdle: AttemptFailure?
    private let usesTLS: Bool
    private let tally: ReceivedBytesCounter.Tally
    private let responseBodyLimit: Int
    private let idleTimeout: TimeAmount

    init(usesTLS: Bool, tally: ReceivedBytesCounter.Tally, responseBodyLimit: Int, idleTimeout: TimeAmount) {
        self.usesTLS = usesTLS
        self.tally = tally
        self.responseBodyLimit = max(1, responseBodyLimit)
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes `request` and completes `promise` when the answer is in, or when `deadline` passes.
    ///
    /// Must be called on the connection's event loop. The promise always succeeds, with the exchange's result.
    func start(
        _ request: ExchangeRequest,
        deadline: NIODeadline,
        timeout: Duration,
        promise: EventLoopPromise<ExchangeResult>
    ) {
        guard let context, context.channel.isActive, case .idle(let closing) = state else {
            let failure = failureWhileIdle ?? .connection("the connection was closed")
            promise.succeed(.failed(failure, body: [], nothingReceived: true))
            return
        }
        closing?.cancel()
        tally.atStart = tally.bytes
        tally.atHead = nil
        var exchange = Exchange(
            promise: promise,
            timeout: timeout,
            progress: ExchangeProgress(usesTLS: usesTLS, tlsEstablished: tlsEstablished)
        )
        exchange.deadline = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.deadlinePassed()
        }
        state = .exchanging(exchange)

        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        let sent = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: sent)
        sent.futureResult.assumeIsolated().whenSuccess {
            self.update { $0.progress.requestSent = true }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            tlsEstablished = true
            update { $0.progress.tlsEstablished = true }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .exchanging(var exchange) = state else {
            // An answer to nothing: this connection can no longer be trusted to pair answers with requests.
            state = .closed
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            tally.atHead = tally.bytes
            exchange.head = head
            exchange.progress.status = Int(head.status.code)
            state = .exchanging(exchange)
        case .body(let buffer):
            exchange.progress.bodyBytes += buffer.readableBytes
            exchange.body.append(contentsOf: buffer.readableBytesView.prefix(responseBodyLimit - exchange.body.count))
            state = .exchanging(exchange)
            if exchange.body.count >= responseBodyLimit, let head = exchange.head {
                // All hookd keeps of the answer has arrived; the rest is not read, so the connection goes.
                finish(
                    .answered(
                        status: Int(head.status.code),
                        headers: head.headers,
                        body: exchange.body,
                        reusable: false
                    )
                )
            }
        case .end:
            guard let head = exchange.head else { return }
            finish(
                .answered(
                    status: Int(head.status.code),
                    headers: head.headers,
                    body: exchange.body,
                    reusable: head.isKeepAlive
                )
            )
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .exchanging(let exchange) = state {
            let failure = Self.failure(error, progress: currentProgress(exchange))
            finish(.failed(failure, body: exchange.body, nothingReceived: receivedNothing))
        } else {
            if case .idle = state {
                failureWhileIdle = Self.failure(error, progress: ExchangeProgress(usesTLS: usesTLS))
            }
            state = .closed
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .exchanging(let exchange) = state {
            let progress = currentProgress(exchange)
            let reason =
                progress.bytesReceived == 0 && progress.requestSent
                ? "the receiver closed the connection without answering"
                : "the receiver closed the connection (\(progress.description))"
            finish(.failed(.connection(reason), body: exchange.body, nothingReceived: receivedNothing))
        }
        if case .idle(let closing) = state { closing?.cancel() }
        state = .closed
        context.fireChannelInactive()
    }

    private var receivedNothing: Bool { tally.bytes == tally.atStart }

    private func currentProgress(_ exchange: Exchange) -> ExchangeProgress {
        var progress = exchange.progress
        progress.bytesReceived = tally.bytes - tally.atStart
        return progress
    }

    private func update(_ change: (inout Exchange) -> Void) {
        guard case .exchanging(var exchange) = state else { return }
        change(&exchange)
        state = .exchanging(exchange)
    }

    private func deadlinePassed() {
        guard case .exchanging(let exchange) = state else { return }
        let progress = currentProgress(exchange)
        finish(
            .failed(
                .timeout(exchange.timeout, received: progress.description),
                body: exchange.body,
                nothingReceived: receivedNothing
            )
        )
    }

    /// Ends the exchange: the connection waits for the next one when the answer allows it, or closes.
    private func finish(_ result: ExchangeResult) {
        guard case .exchanging(let exchange) = state else { return }
        exchange.deadline?.cancel()
        if case .answered(_, _, _, reusable: true) = result, let context, context.channel.isActive {
            let closing = context.eventLoop.assumeIsolated().scheduleTask(in: idleTimeout) {
                self.idleTimedOut()
            }
            state = .idle(closing: closing)
        } else {
            state = .closed
            context?.close(promise: nil)
        }
        exchange.promise.succeed(result)
    }

    private func idleTimedOut() {
        guard case .idle = state else { return }
        state = .closed
        context?.close(promise: nil)
    }

    /// What went wrong, in the delivery log's words.
    static func failure(_ error: any Error, progress: ExchangeProgress) -> AttemptFailure {
        switch error {
        case let error as ResponseHeadTooLarge:
            return .protocolViolation("the status line and headers exceeded \(error.limit / 1024) KiB")
        case HTTPParserError.headerOverflow:
            return .protocolViolation("the headers exceeded the limit")
        case let error as HTTPParserError:
            return .protocolViolation("the answer is not HTTP/1.x (\(error))")
        case let error as IOError where error.errnoCode == ECONNRESET:
            return .connection("the receiver reset the connection (\(progress.description))")
        case let error as IOError where error.errnoCode == EPIPE:
            return .connection("the receiver closed the connection (\(progress.description))")
        case NIOSSLError.uncleanShutdown:
            return .connection("the receiver closed the connection (\(progress.description))")
        case let error as NIOSSLError:
            return .connection("TLS failed: \(Self.short(error))")
        case let error as NIOSSLExtraError:
            return .connection("TLS failed: \(Self.short(error))")
        default:
            return .connection("\(Self.short(error)) (\(progress.description))")
        }
    }

    /// An error's description, cut to a length the log can hold.
    private static func short(_ error: any Error) -> String {
        String(String(describing: error).prefix(200))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
