import Foundation
public import HookdCore
import NIOCore
import NIOHTTP1
import NIOPosix
public import NIOSSL
public import ServiceLifecycle
import Synchronization

/// Sends attempts over HTTP/1.1 with SwiftNIO, to the addresses the SSRF guard checked and to no other.
///
/// **Pinning.** A connection is opened to an `IPAddress` of the checked URL, never to a name: nothing here
/// resolves anything, so whatever spelling the URL uses (case, a trailing dot, IDN, a legacy IPv4 form), the
/// connection goes to an address that was checked. TLS sends the checked URL's canonical name (SNI) and verifies
/// the certificate against it; an address literal is verified against the certificate's IP addresses. When the
/// host has several checked addresses they are tried in turn (IPv6 and IPv4 interleaved by the guard), each
/// with a share of what is left of the deadline.
///
/// **One deadline.** The attempt's timeout covers connecting, the TLS handshake, writing the request and reading
/// the status line, headers and body. When it passes the connection is closed and the attempt is over, whatever
/// the receiver is doing (stalling after the headers, dripping bytes, sending headers or a body forever, never
/// reading). The answer's status line and headers may take at most ``Configuration/maximumResponseHeadBytes``;
/// of the body, ``Configuration/responseBodyLimit`` bytes are kept and the rest is never read.
///
/// Redirects are never followed (a 3xx is a failed attempt) and nothing is decompressed. Connections are kept
/// alive per checked address between attempts. It is a `Service` so that its idle connections close after the
/// dispatcher has finished its in-flight attempts.
public final class HTTPWebhookTransport: WebhookTransport, Service {
    /// Limits of the transport; every one has the documented default.
    public struct Configuration: Sendable {
        /// Bytes of each answer's body kept for the delivery log; reading stops there: 2,048 (SPEC §5.2).
        public var responseBodyLimit: Int = 2048
        /// The longest status line and headers accepted from a receiver: 16 KiB. Past it the attempt fails.
        public var maximumResponseHeadBytes: Int = 16 * 1024
        /// How long a connection is kept open for the next attempt to the same address: 30 s.
        public var idleConnectionTimeout: Duration = .seconds(30)
        /// Idle connections kept per address at most: 8 (hookd raises it to `--max-in-flight-per-endpoint`).
        public var maximumIdleConnectionsPerAddress: Int = 8
        /// Idle connections kept in all at most: 256 (hookd raises it to `--max-in-flight`).
        public var maximumIdleConnections: Int = 256
        /// TLS settings: the system's trust roots, full verification.
        public var tls: TLSConfiguration = .makeClientConfiguration()
        /// Refuse, before connecting, every address that is not loopback: off. For test suites and labs, whose
        /// traffic must never leave the machine whatever name a test gives a receiver; the attempt fails as a
        /// refused connection would.
        public var connectsOnlyToLoopback = false

        public init() {}
    }

    /// An address refused by ``Configuration/connectsOnlyToLoopback`` before any connection was made.
    struct NotLoopback: Error, CustomStringConvertible {
        let address: IPAddress
        var description: String { "refused before connecting: \(address) is not loopback (connectsOnlyToLoopback)" }
    }

    /// Why `configuration` forbids connecting to `address`, or `nil`: checked just before every connection.
    static func refusal(of address: IPAddress, by configuration: Configuration) -> (any Error)? {
        configuration.connectsOnlyToLoopback && !address.isLoopback ? NotLoopback(address: address) : nil
    }

    private let configuration: Configuration
    private let sslContext: NIOSSLContext
    private let pool: WebhookConnectionPool
    private let group: any EventLoopGroup

    /// - Throws: NIOSSL's error when the TLS configuration cannot be used.
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        self.sslContext = try NIOSSLContext(configuration: configuration.tls)
        self.pool = WebhookConnectionPool(
            maximumPerKey: configuration.maximumIdleConnectionsPerAddress,
            maximumTotal: configuration.maximumIdleConnections
        )
        self.group = MultiThreadedEventLoopGroup.singleton
    }

    /// Idle connections kept for later attempts.
    public var idleConnectionCount: Int { pool.idleCount }

    public func run() async throws {
        try? await gracefulShutdown()
        shutdown()
    }

    /// Closes the idle connections and keeps none from now on; attempts in flight go on to their deadline.
    public func shutdown() {
        pool.shutDown()
    }

    public func send(
        _ webhook: OutgoingWebhook,
        to target: WebhookURLPolicy.CheckedURL,
        timeout: Duration
    ) async -> TransportResult {
        let start = ContinuousClock.now
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let request = Self.request(for: webhook, to: target)
        let current = CurrentConnection()
        let result = await withTaskCancellationHandler {
            await attempt(request, to: target, deadline: deadline, timeout: timeout, current: current)
        } onCancel: {
            current.cancel()
        }
        let latency = ContinuousClock.now - start
        switch result {
        case .answered(let status, let headers, let body, _):
            let retryAfter =
                (status == 429 || status == 503) ? Self.retryAfter(headers.first(name: "Retry-After")) : nil
            return TransportResult(
                outcome: .answered(status: status, retryAfter: retryAfter),
                latency: latency,
                responseBody: body
            )
        case .failed(let failure, let body, _):
            return TransportResult(
                outcome: .failed(current.isCancelled ? .interrupted : failure),
                latency: latency,
                responseBody: body
            )
        }
    }

    /// Reuses a kept connection to one of the checked addresses, or connects to them in turn, and runs the exchange.
    private func attempt(
        _ request: ExchangeRequest,
        to target: WebhookURLPolicy.CheckedURL,
        deadline: NIODeadline,
        timeout: Duration,
        current: CurrentConnection
    ) async -> ExchangeResult {
        guard !target.addresses.isEmpty else {
            return .failed(.forbiddenTarget("no checked address to connect to"), body: [], nothingReceived: true)
        }
        let usesTLS = target.scheme == "https"
        func key(_ address: IPAddress) -> WebhookConnectionPool.Key {
            .init(address: address, port: target.port, usesTLS: usesTLS, serverName: target.serverName)
        }

        for address in target.addresses {
            guard let connection = pool.take(key(address)) else { continue }
            let result = await exchange(request, on: connection, deadline: deadline, timeout: timeout, current: current)
            // A kept connection the receiver closed in the meantime answers nothing: open a new one instead.
            if case .failed(.connection, _, nothingReceived: true) = result, NIODeadline.now() < deadline,
                !current.isCancelled
            {
                break
            }
            keepIfReusable(result, connection: connection, key: key(address))
            return result
        }

        var refusals: [String] = []
        for (index, address) in target.addresses.enumerated() {
            let remaining = deadline - NIODeadline.now()
            guard remaining > .zero, !current.isCancelled else { break }
            // Each address left gets an equal share of the time left, so one that never answers cannot use it all.
            let share = TimeAmount.nanoseconds(remaining.nanoseconds / Int64(target.addresses.count - index))
            let connection: WebhookConnection
            do {
                connection = try await connect(to: key(address), within: share)
            } catch {
                refusals.append("\(address): \(Self.describeConnectFailure(error))")
                continue
            }
            let result = await exchange(request, on: connection, deadline: deadline, timeout: timeout, current: current)
            keepIfReusable(result, connection: connection, key: key(address))
            return result
        }
        let reasons = refusals.isEmpty ? "" : " (\(refusals.joined(separator: "; ")))"
        if NIODeadline.now() >= deadline {
            return .failed(.timeout(timeout, received: "could not connect\(reasons)"), body: [], nothingReceived: true)
        }
        return .failed(.connection("could not connect\(reasons)"), body: [], nothingReceived: true)
    }

    private func keepIfReusable(
        _ result: ExchangeResult,
        connection: WebhookConnection,
        key: WebhookConnectionPool.Key
    ) {
        if case .answered(_, _, _, reusable: true) = result {
            pool.put(connection, for: key)
        }
    }

    /// Opens a connection to exactly `key.address`, with TLS when the URL is `https`.
    private func connect(
        to key: WebhookConnectionPool.Key,
        within budget: TimeAmount
    ) async throws -> WebhookConnection {
        if let refusal = Self.refusal(of: key.address, by: configuration) { throw refusal }
        let address = try SocketAddress(packedIPAddress: ByteBuffer(bytes: key.address.bytes), port: key.port)
        let sslContext = self.sslContext
        let configuration = self.configuration
        let made = Mutex<NIOLoopBound<WebhookExchangeHandler>?>(nil)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(budget)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = channel.pipeline.syncOperations
                    if key.usesTLS {
                        try handlers.addHandler(
                            NIOSSLClientHandler(context: sslContext, serverHostname: key.serverName)
                        )
                    }
                    let tally = ReceivedBytesCounter.Tally()
                    try handlers.addHandler(
                        ReceivedBytesCounter(tally: tally, maximumHeadBytes: configuration.maximumResponseHeadBytes)
                    )
                    var limits = NIOHTTPDecoderLimitConfiguration()
                    limits.maxHeaderListSize = configuration.maximumResponseHeadBytes
                    limits.maxHeaderFieldSize = configuration.maximumResponseHeadBytes
                    let encoder = HTTPRequestEncoder()
                    try handlers.addHandler(encoder)
                    try handlers.addHandler(
                        ByteToMessageHandler(
                            HTTPResponseDecoder(
                                leftOverBytesStrategy: .dropBytes,
                                informationalResponseStrategy: .drop,
                                limitConfiguration: limits
                            )
                        )
                    )
                    let handler = WebhookExchangeHandler(
                        usesTLS: key.usesTLS,
                        tally: tally,
                        responseBodyLimit: configuration.responseBodyLimit,
                        idleTimeout: TimeAmount(configuration.idleConnectionTimeout)
                    )
                    try handlers.addHandler(handler)
                    made.withLock { $0 = NIOLoopBound(handler, eventLoop: channel.eventLoop) }
                }
            }
            .connect(to: address)
            .get()
        let pool = self.pool
        channel.closeFuture.whenComplete { _ in pool.remove(channel, for: key) }
        guard let handler = made.withLock({ $0 }) else {
            channel.close(promise: nil)
            throw ChannelError.inappropriateOperationForState
        }
        return WebhookConnection(channel: channel, handler: handler)
    }

    /// Runs one exchange on `connection` and returns its result; cancelling the task closes the connection.
    private func exchange(
        _ request: ExchangeRequest,
        on connection: WebhookConnection,
        deadline: NIODeadline,
        timeout: Duration,
        current: CurrentConnection
    ) async -> ExchangeResult {
        let channel = connection.channel
        guard current.use(channel) else {
            channel.close(promise: nil)
            return .failed(.interrupted, body: [], nothingReceived: true)
        }
        let promise = channel.eventLoop.makePromise(of: ExchangeResult.self)
        channel.eventLoop.execute {
            connection.handler.value.start(request, deadline: deadline, timeout: timeout, promise: promise)
        }
        do {
            return try await promise.futureResult.get()
        } catch {
            return .failed(.connection("the connection was closed"), body: [], nothingReceived: true)
        }
    }

    /// The request line, headers and body of an attempt.
    static func request(for webhook: OutgoingWebhook, to target: WebhookURLPolicy.CheckedURL) -> ExchangeRequest {
        var headers = HTTPHeaders()
        headers.reserveCapacity(webhook.headers.count + 2)
        headers.add(name: "Host", value: target.hostHeader)
        for header in webhook.headers { headers.add(name: header.name, value: header.value) }
        headers.add(name: "Content-Length", value: String(webhook.body.count))
        return ExchangeRequest(
            head: HTTPRequestHead(version: .http1_1, method: .POST, uri: target.requestTarget, headers: headers),
            body: ByteBuffer(bytes: webhook.body)
        )
    }

    /// Parses `Retry-After` as delta-seconds or an HTTP date.
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSinceNow.rounded(.up))))
    }

    /// Why a connection could not be made, in the delivery log's words.
    static func describeConnectFailure(_ error: any Error) -> String {
        switch error {
        case ChannelError.connectTimeout:
            return "no answer to connecting in time"
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ENETUNREACH: return "network unreachable"
            case EHOSTUNREACH: return "host unreachable"
            case EADDRNOTAVAIL: return "address not available"
            case ETIMEDOUT: return "timed out"
            default: return "connect failed (errno \(error.errnoCode))"
            }
        default:
            return String(String(describing: error).prefix(200))
        }
    }
}

/// The connection an attempt is using, so that cancelling the attempt's task can close it at once.
private final class CurrentConnection: Sendable {
    private let state = Mutex<(channel: (any Channel)?, cancelled: Bool)>((nil, false))

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Records `channel` as the one in use; `false` when the attempt was cancelled already.
    func use(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.channel = channel
            return true
        }
    }

    func cancel() {
        let channel = state.withLock { state in
            state.cancelled = true
            return state.channel
        }
        channel?.close(promise: nil)
    }
}

extension IPAddress {
    /// The address's bytes in network order.
    var bytes: [UInt8] {
        switch self {
        case .v4(let bytes), .v6(let bytes): bytes
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif
