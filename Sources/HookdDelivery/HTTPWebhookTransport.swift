import AsyncHTTPClient
import Foundation
import HookdCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Sends attempts with AsyncHTTPClient, to the address the SSRF guard checked and to no other.
///
/// A URL whose host is an address literal goes through one shared client. A URL with a host name goes through
/// a client pinned to the checked address with AsyncHTTPClient's `dnsOverride`: the connection is made to that
/// address, while TLS still sends the name (SNI) and verifies the certificate against it. Pinned clients are
/// kept per (name, address) and the least recently used are shut down beyond ``maximumPinnedClients``.
///
/// Redirects are never followed (a 3xx is a failed attempt), bodies are not decompressed, and at most
/// `responseBodyLimit` bytes of an answer are read. It is a `Service` so that its clients shut down after the
/// dispatcher has finished its in-flight attempts.
public final class HTTPWebhookTransport: WebhookTransport, Service {
    /// How many pinned clients are kept open at most.
    public let maximumPinnedClients = 256

    private let configuration: HTTPClient.Configuration
    /// Clients by target: the shared one under the empty key, pinned ones under "name|address". Created on first
    /// use, so a transport that never sends has nothing to shut down.
    private let pinned = Mutex<(clients: [String: HTTPClient], order: [String])>(([:], []))
    private let responseBodyLimit: Int

    /// - Parameters:
    ///   - connectionsPerHost: Connections kept per host at most; the dispatcher's in-flight limit.
    ///   - responseBodyLimit: Bytes of each answer kept for the log.
    public init(connectionsPerHost: Int, responseBodyLimit: Int) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            connectionPool: .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost
            ),
            decompression: .disabled
        )
        configuration.httpVersion = .http1Only
        // A refused connection is a failed attempt to record now, not one to retry inside the client until the
        // connect timeout: the dispatcher's schedule decides when to try again.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.configuration = configuration
        self.responseBodyLimit = responseBodyLimit
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Shuts every client down; in-flight requests fail.
    public func shutdown() async throws {
        let clients = pinned.withLock { state in
            defer { state = ([:], []) }
            return Array(state.clients.values)
        }
        for client in clients { try? await client.shutdown() }
    }

    public func send(
        _ webhook: OutgoingWebhook,
        to target: WebhookURLPolicy.CheckedURL,
        timeout: Duration
    ) async -> TransportResult {
        let start = ContinuousClock.now
        let client = self.client(for: target)
        var request = HTTPClientRequest(url: target.url)
        request.method = .POST
        for header in webhook.headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: webhook.body))
        let deadline =
            NIODeadline.now()
            + .nanoseconds(
                Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            )
        do {
            let response = try await client.execute(request, deadline: deadline)
            var kept: [UInt8] = []
            do {
                for try await chunk in response.body {
                    kept.append(contentsOf: chunk.readableBytesView.prefix(responseBodyLimit - kept.count))
                    if kept.count >= responseBodyLimit { break }
                }
            } catch {
                // The status line and headers arrived, which is what decides the attempt; a body cut short is only logged.
            }
            let status = Int(response.status.code)
            let retryAfter =
                (status == 429 || status == 503) ? Self.retryAfter(response.headers.first(name: "Retry-After")) : nil
            return TransportResult(
                outcome: .answered(status: status, retryAfter: retryAfter),
                latency: ContinuousClock.now - start,
                responseBody: kept
            )
        } catch {
            return TransportResult(
                outcome: .failed(Self.failure(error, timeout: timeout)),
                latency: ContinuousClock.now - start,
                responseBody: []
            )
        }
    }

    private func client(for target: WebhookURLPolicy.CheckedURL) -> HTTPClient {
        var key = ""
        var configuration = self.configuration
        if IPAddress(literal: target.host) == nil, let address = target.addresses.first {
            key = "\(target.host.lowercased())|\(address)"
            configuration.dnsOverride = [target.host.lowercased(): address.description]
        }
        let (client, evicted) = pinned.withLock { state -> (HTTPClient, HTTPClient?) in
            if let client = state.clients[key] {
                if !key.isEmpty, let index = state.order.firstIndex(of: key) {
                    state.order.remove(at: index)
                    state.order.append(key)
                }
                return (client, nil)
            }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            state.clients[key] = client
            if !key.isEmpty { state.order.append(key) }
            var evicted: HTTPClient?
            if state.order.count > maximumPinnedClients {
                let oldest = state.order.removeFirst()
                evicted = state.clients.removeValue(forKey: oldest)
            }
            return (client, evicted)
        }
        if let evicted {
            Task { try? await evicted.shutdown() }
        }
        return client
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

    static func failure(_ error: any Error, timeout: Duration) -> AttemptFailure {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return .timeout(timeout)
            case .remoteConnectionClosed:
                return .connection("the receiver closed the connection")
            default:
                return .other("request failed: \(error.shortDescription)")
            }
        }
        if error is ChannelError { return .connection("the connection broke") }
        // NIO's connection errors (NIOPosix) name the errno in their description; only the kind is kept.
        let text = String(describing: error)
        if text.contains("refused") || text.contains("ECONNREFUSED") { return .connection("connection refused") }
        if text.contains("unreachable") { return .connection("network unreachable") }
        if error is IOError || text.contains("connect") { return .connection("could not connect") }
        return .other("request failed: \(String(describing: type(of: error)))")
    }
}
