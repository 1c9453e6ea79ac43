import Foundation
package import NIOCore
import NIOPosix
package import NIOSSL
import Synchronization

/// A receiver on loopback that misbehaves on purpose, speaking raw bytes so it can do what no HTTP server would:
/// stall after the headers, drip, send headers or a body forever, reset mid-body, never read, speak garbage.
///
/// It counts the connections it accepted and the ones still open, so a test can show that hookd let go.
package final class HostileReceiver: Sendable {
    /// What the receiver does on each connection.
    package enum Behaviour: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Answers with the status line and headers of a chunked 200, then sends nothing more.
        case stallAfterHeaders
        /// Sends the status line one byte a second.
        case dripOneBytePerSecond
        /// Sends a status line and then header lines forever.
        case endlessHeaders
        /// Answers 200 with a 100 MB body, sent as fast as the client reads.
        case hugeBody
        /// Answers 200 with a body of 1,000 bytes, sends 100 of them and resets the connection.
        case resetMidBody
        /// Accepts the connection and never reads from it or writes to it.
        case acceptAndNeverRead
        /// Answers every request with a redirect to itself.
        case redirectLoop
        /// Answers with bytes that are not HTTP.
        case garbage
        /// Reads whatever comes and never answers: over TLS, the handshake never completes.
        case silent
        /// Answers 200 with `ok` and closes; records the request.
        case ok
        /// Answers every request on a connection with 200 `ok` and keeps the connection open; records each.
        case okKeepAlive

        package var description: String { rawValue }
    }

    package struct Counts: Sendable {
        package var accepted = 0
        package var open = 0
        package var mostOpen = 0
    }

    private let behaviour: Behaviour
    private let tls: NIOSSLContext?
    private let counts = Mutex(Counts())
    private let requests = Mutex<[String]>([])
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// - Parameter tls: Serve TLS with this context (`https://` URLs), or plain TCP when `nil`.
    package init(_ behaviour: Behaviour, tls: NIOSSLContext? = nil) {
        self.behaviour = behaviour
        self.tls = tls
    }

    package var connectionCounts: Counts { counts.withLock { $0 } }

    /// The bytes of every request that arrived, for ``Behaviour/ok``.
    package var receivedRequests: [String] { requests.withLock { $0 } }

    /// Listens on `host` (`port` 0 picks one) until the returned handle is stopped.
    package func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Running {
        let behaviour = self.behaviour
        let tls = self.tls
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: behaviour != .acceptAndNeverRead)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    self.opened(channel)
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(BehaviourHandler(behaviour, receiver: self))
                }
            }
            .bind(host: host, port: port)
            .get()
        return Running(channel: channel, receiver: self)
    }

    private func opened(_ channel: any Channel) {
        counts.withLock { counts in
            counts.accepted += 1
            counts.open += 1
            counts.mostOpen = max(counts.mostOpen, counts.open)
        }
        connections.withLock { $0[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { _ in
            self.connections.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
            self.counts.withLock { $0.open -= 1 }
        }
    }

    /// Closes every connection it accepted that is still open.
    package func closeConnections() async {
        for channel in connections.withLock({ Array($0.values) }) {
            try? await channel.close()
        }
    }

    fileprivate func record(_ request: String) {
        requests.withLock { $0.append(request) }
    }

    /// Waits until no connection is open, or `seconds` pass. Returns whether none is.
    package func waitUntilAllClosed(seconds: Double = 20) async throws -> Bool {
        try await waitUntil(seconds: seconds) { $0.open == 0 }
    }

    /// Waits until `condition` holds for the counts, or `seconds` pass. Returns whether it held.
    package func waitUntil(seconds: Double = 20, _ condition: (Counts) -> Bool) async throws -> Bool {
        try await Self.eventually(seconds: seconds) { condition(connectionCounts) }
    }

    /// Waits until `condition` holds, or `seconds` pass. Returns whether it held.
    package static func eventually(seconds: Double = 20, _ condition: () async -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    /// A receiver that is listening.
    package struct Running: Sendable {
        package let channel: any Channel
        package let receiver: HostileReceiver

        package var port: Int { channel.localAddress?.port ?? 0 }

        /// Stops listening and closes every connection still open.
        package func stop() async {
            try? await channel.close()
            await receiver.closeConnections()
        }
    }
}

/// Does one connection's misbehaviour.
private final class BehaviourHandler: ChannelInboundHandler {
    package typealias InboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    private let behaviour: HostileReceiver.Behaviour
    private let receiver: HostileReceiver
    private var started = false
    private var request = ""

    package init(_ behaviour: HostileReceiver.Behaviour, receiver: HostileReceiver) {
        self.behaviour = behaviour
        self.receiver = receiver
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        request += String(buffer: unwrapInboundIn(data))
        if behaviour == .okKeepAlive {
            answerEveryCompleteRequest(context)
            return
        }
        // Misbehave once the request's head is in (or at once, for the ones that do not care).
        guard !started, request.contains("\r\n\r\n") else { return }
        started = true
        switch behaviour {
        case .stallAfterHeaders:
            send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", context)
        case .dripOneBytePerSecond:
            drip(Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8), context)
        case .endlessHeaders:
            send("HTTP/1.1 200 OK\r\n", context)
            sendForever(Array("X-Filler: \(String(repeating: "a", count: 1000))\r\n".utf8), context)
        case .hugeBody:
            send("HTTP/1.1 200 OK\r\nContent-Length: \(100 * 1024 * 1024)\r\n\r\n", context)
            sendForever(Array(repeating: UInt8(ascii: "x"), count: 64 * 1024), context, upTo: 100 * 1024 * 1024)
        case .resetMidBody:
            send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "y", count: 100), context)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: .milliseconds(50)) {
                // A zero linger turns the close into a reset.
                guard let socket = channel as? any SocketOptionProvider else { return }
                _ = socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).flatMap { channel.close() }
            }
        case .redirectLoop:
            send("HTTP/1.1 302 Found\r\nLocation: /hook\r\nContent-Length: 0\r\n\r\n", context)
        case .garbage:
            send("SSH-2.0-OpenSSH_9.2p1 Debian\r\n\u{0}\u{1}\u{2}not http at all\r\n\r\n", context)
        case .ok:
            receiver.record(request)
            send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", context)
            context.close(promise: nil)
        case .acceptAndNeverRead, .silent, .okKeepAlive:
            break
        }
    }

    /// Answers each request whose head and `Content-Length` body have arrived, in order.
    private func answerEveryCompleteRequest(_ context: ChannelHandlerContext) {
        while let headEnd = request.range(of: "\r\n\r\n") {
            let head = request[..<headEnd.lowerBound]
            let length =
                head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
            let bodyStart = headEnd.upperBound
            guard request.utf8.distance(from: bodyStart, to: request.endIndex) >= length else { return }
            let end = request.utf8.index(bodyStart, offsetBy: length)
            receiver.record(String(request[..<end]))
            request = String(request[end...])
            send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", context)
        }
    }

    private func send(_ text: String, _ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
    }

    private func drip(_ bytes: [UInt8], _ context: ChannelHandlerContext) {
        guard let first = bytes.first else { return }
        let channel = context.channel
        channel.writeAndFlush(ByteBuffer(bytes: [first]), promise: nil)
        let rest = Array(bytes.dropFirst())
        channel.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) {
            guard channel.isActive else { return }
            self.drip(rest, context)
        }
    }

    /// Writes `chunk` again each time the last write went out, until the peer stops reading or `limit` is sent.
    private func sendForever(_ chunk: [UInt8], _ context: ChannelHandlerContext, upTo limit: Int = .max) {
        let channel = context.channel
        var sent = 0
        func next() {
            guard channel.isActive, sent < limit else { return }
            sent += chunk.count
            channel.writeAndFlush(ByteBuffer(bytes: chunk)).assumeIsolated().whenSuccess { next() }
        }
        next()
    }
}
