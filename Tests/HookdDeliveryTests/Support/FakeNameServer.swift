import HookdCore
import HookdDelivery
import NIOCore
import NIOPosix
import Synchronization

/// A name server on loopback (`127.0.0.1`, UDP and TCP on one ephemeral port) that answers as a test tells it and
/// counts what it is asked.
///
/// Use it through ``with(_:_:)``, which closes its sockets whatever the test does.
final class FakeNameServer: Sendable {
    /// A query as the server received it.
    struct Query: Sendable, Hashable {
        /// The query's position among all the queries the server received, from 0.
        var number: Int
        var id: UInt16
        var name: String
        var type: UInt16
        var overTCP: Bool
    }

    /// What the server sends back for a query.
    enum Reply: Sendable {
        /// `bytes`, from the server's own address and port, after `delay`.
        case message([UInt8], delay: Duration = .zero)
        /// `bytes`, from the same address but another port.
        case fromAnotherPort([UInt8])
    }

    /// How the server answers: the replies for each query, in order (none for silence).
    typealias Responder = @Sendable (Query) -> [Reply]

    private let udp: any Channel
    private let tcp: any Channel
    private let other: any Channel
    private let core: Core

    /// The server, as the resolver's configuration names it.
    let nameServer: ResolverConfiguration.NameServer

    private init(udp: any Channel, tcp: any Channel, other: any Channel, core: Core, port: Int) {
        self.udp = udp
        self.tcp = tcp
        self.other = other
        self.core = core
        self.nameServer = ResolverConfiguration.NameServer(address: .v4([127, 0, 0, 1]), port: port)
    }

    /// Every query received so far, in order.
    var queries: [Query] { core.queries.withLock { $0 } }

    /// How many queries for `name` and `type` arrived (over UDP, or over TCP when `overTCP`).
    func count(_ name: String, _ type: UInt16, overTCP: Bool = false) -> Int {
        queries.count { $0.name == name && $0.type == type && $0.overTCP == overTCP }
    }

    /// Waits until the server has received `count` queries (or fails the test after five seconds).
    func waitForQueries(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while queries.count < count {
            guard ContinuousClock.now < deadline else { throw WaitTimeout() }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    struct WaitTimeout: Error {}

    /// Runs `body` with a server that answers with `respond`, and closes the server's sockets after it.
    @discardableResult
    static func with<Result>(
        _ respond: @escaping Responder,
        _ body: (FakeNameServer) async throws -> Result
    ) async throws -> Result {
        let server = try await start(respond)
        let result: Result
        do {
            result = try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        return result
    }

    private static func start(_ respond: @escaping Responder) async throws -> FakeNameServer {
        let group = MultiThreadedEventLoopGroup.singleton
        let loopback = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        let other = try await DatagramBootstrap(group: group).bind(to: loopback).get()
        let core = Core(respond: respond, other: other)
        // UDP and TCP on the same port number: take a free UDP port, then the same TCP port (retry if it is taken).
        for _ in 0..<20 {
            let udp = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPHandler(core: core))
                    }
                }
                .bind(to: loopback).get()
            guard let port = udp.localAddress?.port else { throw WaitTimeout() }
            do {
                let tcp = try await ServerBootstrap(group: group)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(TCPHandler(core: core))
                        }
                    }
                    .bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: port)).get()
                return FakeNameServer(udp: udp, tcp: tcp, other: other, core: core, port: port)
            } catch {
                try? await udp.close()
            }
        }
        try? await other.close()
        throw WaitTimeout()
    }

    private func stop() async {
        try? await udp.close()
        try? await tcp.close()
        try? await other.close()
    }

    /// What the handlers share: the responder, the log of queries, and the socket on the other port.
    private final class Core: Sendable {
        let respond: Responder
        let other: any Channel
        let queries = Mutex<[Query]>([])

        init(respond: @escaping Responder, other: any Channel) {
            self.respond = respond
            self.other = other
        }

        /// Records a query and returns it, or `nil` when `bytes` are not a query the fake can read.
        func record(_ bytes: [UInt8], overTCP: Bool) -> Query? {
            guard bytes.count >= 12 else { return nil }
            let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            var offset = 12
            var labels: [String] = []
            while offset < bytes.count, bytes[offset] != 0 {
                let length = Int(bytes[offset])
                guard offset + 1 + length <= bytes.count else { return nil }
                labels.append(String(decoding: bytes[(offset + 1)..<(offset + 1 + length)], as: UTF8.self))
                offset += 1 + length
            }
            guard offset + 3 < bytes.count else { return nil }
            let type = UInt16(bytes[offset + 1]) << 8 | UInt16(bytes[offset + 2])
            return queries.withLock { queries in
                let query = Query(
                    number: queries.count,
                    id: id,
                    name: labels.joined(separator: "."),
                    type: type,
                    overTCP: overTCP
                )
                queries.append(query)
                return query
            }
        }
    }

    private final class UDPHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>

        let core: Core

        init(core: Core) {
            self.core = core
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let query = core.record(Array(envelope.data.readableBytesView), overTCP: false) else { return }
            let channel = context.channel
            for reply in core.respond(query) {
                switch reply {
                case .message(let bytes, let delay):
                    let answer = AddressedEnvelope(
                        remoteAddress: envelope.remoteAddress,
                        data: ByteBuffer(bytes: bytes)
                    )
                    if delay == .zero {
                        channel.writeAndFlush(answer, promise: nil)
                    } else {
                        channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay / .nanoseconds(1)))) {
                            channel.writeAndFlush(answer, promise: nil)
                        }
                    }
                case .fromAnotherPort(let bytes):
                    let answer = AddressedEnvelope(
                        remoteAddress: envelope.remoteAddress,
                        data: ByteBuffer(bytes: bytes)
                    )
                    core.other.writeAndFlush(answer, promise: nil)
                }
            }
        }
    }

    private final class TCPHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let core: Core
        var received = ByteBuffer()

        init(core: Core) {
            self.core = core
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var chunk = unwrapInboundIn(data)
            received.writeBuffer(&chunk)
            while let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
                received.readableBytes >= 2 + Int(length)
            {
                received.moveReaderIndex(forwardBy: 2)
                let bytes = received.readBytes(length: Int(length)) ?? []
                guard let query = core.record(bytes, overTCP: true) else { continue }
                for case .message(let answer, _) in core.respond(query) {
                    var framed = ByteBuffer()
                    framed.writeInteger(UInt16(answer.count))
                    framed.writeBytes(answer)
                    context.writeAndFlush(wrapOutboundOut(framed), promise: nil)
                }
            }
        }
    }
}
