import NIOCore
import NIOPosix
import Synchronization

/// A DNS name server on 127.0.0.1 (UDP) that reads every query and never answers, counting what it got.
package final class SilentNameServer: Sendable {
    private let channel: any Channel
    private let received: Counter

    private final class Counter: ChannelInboundHandler, Sendable {
        package typealias InboundIn = AddressedEnvelope<ByteBuffer>
        package let count = Mutex(0)

        package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            count.withLock { $0 += 1 }
        }
    }

    private init(channel: any Channel, received: Counter) {
        self.channel = channel
        self.received = received
    }

    /// The port it listens on.
    package var port: Int { channel.localAddress?.port ?? 0 }

    /// Queries received so far.
    package var queries: Int { received.count.withLock { $0 } }

    /// Runs `body` with a silent name server, closed afterwards whatever `body` does.
    package static func with<Result>(_ body: (SilentNameServer) async throws -> Result) async throws -> Result {
        let received = Counter()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(received) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let server = SilentNameServer(channel: channel, received: received)
        do {
            let result = try await body(server)
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}
