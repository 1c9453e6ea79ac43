public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The receiving end of a benchmark: a bare SwiftNIO HTTP/1.1 server on 127.0.0.1 that answers every request
/// `200` at once, keeps connections alive, and notes when each `webhook-id` arrived.
///
/// It does as little as a receiver can, so that what a benchmark measures is the sender. Every arrival is kept
/// (event id and monotonic time); the full headers and body of every `sampleEvery`-th request are kept too, for
/// checking signatures after the run.
public final class BenchReceiver: Sendable {
    /// One request as it arrived.
    public struct Arrival: Sendable {
        /// The `webhook-id` header, or empty when the request had none.
        public var eventID: String
        /// When the request's head arrived, on the monotonic clock of ``BenchClock``.
        public var nanoseconds: UInt64
    }

    /// A request kept whole.
    public struct Sample: Sendable {
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
    }

    private let log: ArrivalLog
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// The base URL requests go to, `http://127.0.0.1:PORT/hooks`.
    public let url: String

    /// Starts listening on an ephemeral port of 127.0.0.1.
    ///
    /// - Parameters:
    ///   - threads: Event loop threads of its own (the default is one, so it takes at most one core).
    ///   - sampleEvery: Keep every n-th request whole; 0 keeps none.
    ///   - answerDelay: How long it waits before answering each request (a slow receiver); none by default.
    ///   - stallsAfterHead: Answer each request's status line and headers, then nothing more (a receiver that
    ///     stalls): the sender's attempt lasts until its deadline.
    public init(
        threads: Int = 1,
        sampleEvery: Int = 100,
        answerDelay: TimeAmount = .zero,
        stallsAfterHead: Bool = false
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let log = ArrivalLog(sampleEvery: sampleEvery)
        self.group = group
        self.log = log
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                log.opened()
                channel.closeFuture.whenComplete { _ in log.closed() }
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(
                        AnswerOK(log: log, delay: answerDelay, stallsAfterHead: stallsAfterHead)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        self.channel = channel
        self.url = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/hooks"
    }

    /// Every arrival so far, in order.
    public var arrivals: [Arrival] { log.state.withLock { $0.arrivals } }

    /// How many requests have arrived.
    public var count: Int { log.state.withLock { $0.arrivals.count } }

    /// The requests kept whole.
    public var samples: [Sample] { log.state.withLock { $0.samples } }

    /// The connections open now, and the most that were open at once.
    public var connections: (open: Int, mostOpen: Int) { log.state.withLock { ($0.open, $0.mostOpen) } }

    /// Forgets every arrival and sample (and the most connections open, keeping those open now).
    public func reset() {
        log.state.withLock { state in
            let open = state.open
            state = ArrivalLog.State()
            state.open = open
            state.mostOpen = open
        }
    }

    /// Stops listening and closes every connection.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// What the receiver's connections have seen, shared by all of them.
private final class ArrivalLog: Sendable {
    struct State {
        var arrivals: [BenchReceiver.Arrival] = []
        var samples: [BenchReceiver.Sample] = []
        var open = 0
        var mostOpen = 0
    }

    func opened() {
        state.withLock { state in
            state.open += 1
            state.mostOpen = max(state.mostOpen, state.open)
        }
    }

    func closed() {
        state.withLock { $0.open -= 1 }
    }

    let state = Mutex(State())
    let sampleEvery: Int

    init(sampleEvery: Int) {
        self.sampleEvery = sampleEvery
        state.withLock { $0.arrivals.reserveCapacity(1 << 16) }
    }

    /// Whether the next request to arrive is one to keep whole.
    var wantsSample: Bool {
        sampleEvery > 0 && state.withLock { $0.arrivals.count % sampleEvery == 0 }
    }

    func record(_ arrival: BenchReceiver.Arrival, sample: BenchReceiver.Sample?) {
        state.withLock { state in
            state.arrivals.append(arrival)
            if let sample {
                state.samples.append(sample)
            }
        }
    }
}

/// Reads a request, notes it, and answers `200 ok` on the same connection.
private final class AnswerOK: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on its channel's event loop.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let log: ArrivalLog
    private var arrival: BenchReceiver.Arrival?
    private var sampleHeaders: [(name: String, value: String)]?
    private var body: [UInt8] = []
    private var keepAlive = true
    private let delay: TimeAmount
    private let stallsAfterHead: Bool

    init(log: ArrivalLog, delay: TimeAmount, stallsAfterHead: Bool) {
        self.log = log
        self.delay = delay
        self.stallsAfterHead = stallsAfterHead
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            arrival = BenchReceiver.Arrival(
                eventID: head.headers.first(name: "webhook-id") ?? "",
                nanoseconds: BenchClock.now()
            )
            keepAlive = head.isKeepAlive
            sampleHeaders = log.wantsSample ? head.headers.map { ($0.name, $0.value) } : nil
            body.removeAll(keepingCapacity: true)
        case .body(var buffer):
            if sampleHeaders != nil, let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body += bytes
            }
        case .end:
            if let arrival {
                let sample = sampleHeaders.map { BenchReceiver.Sample(headers: $0, body: body) }
                log.record(arrival, sample: sample)
            }
            arrival = nil
            sampleHeaders = nil
            if delay > .zero {
                let keepAlive = keepAlive
                context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                    self.answer(context, keepAlive: keepAlive)
                }
            } else {
                answer(context, keepAlive: keepAlive)
            }
        }
    }

    private func answer(_ context: ChannelHandlerContext, keepAlive: Bool) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders([("content-length", "2"), ("content-type", "text/plain")])
        if !keepAlive {
            headers.add(name: "connection", value: "close")
        }
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
        guard !stallsAfterHead else {
            // The body promised never comes.
            context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
            return
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
        // The write completes on this handler's event loop, where the context may be used.
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive {
                loopBound.value.close(promise: nil)
            }
        }
    }
}
