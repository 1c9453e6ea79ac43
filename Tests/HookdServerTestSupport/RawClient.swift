import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A bare TCP client on 127.0.0.1 that sends exactly the bytes a test gives it, as slowly as the test likes, and
/// records what comes back and whether the server closed the connection.
package final class RawClient: Sendable {
    private let channel: any Channel
    private let recorder: Recorder

    private init(channel: any Channel, recorder: Recorder) {
        self.channel = channel
        self.recorder = recorder
    }

    /// Connects to `port` on 127.0.0.1, from `source` (another loopback address stands for another client).
    package static func connect(port: Int, from source: String = "127.0.0.1") async throws -> RawClient {
        let recorder = Recorder()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(recorder) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawClient(channel: channel, recorder: recorder)
    }

    /// Writes `text` as it is.
    package func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Everything the server has sent so far.
    package var received: String { String(decoding: recorder.state.withLock { $0.received }, as: UTF8.self) }

    /// Whether the server closed the connection.
    package var isClosed: Bool { recorder.state.withLock { $0.closed } }

    /// Waits until the server closes the connection, or `seconds` pass. Returns whether it did.
    package func waitUntilClosed(seconds: Double = 20) async throws -> Bool {
        try await HostileReceiver.eventually(seconds: seconds) { self.isClosed }
    }

    /// Waits until what was received contains `text`, or `seconds` pass. Returns whether it did.
    package func waitFor(_ text: String, seconds: Double = 20) async throws -> Bool {
        try await HostileReceiver.eventually(seconds: seconds) { self.received.contains(text) }
    }

    package func close() async {
        try? await channel.close()
    }
}

/// Notes the bytes and the close of one connection.
private final class Recorder: ChannelInboundHandler, Sendable {
    package typealias InboundIn = ByteBuffer

    package let state = Mutex(RawClientState())

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        state.withLock { $0.received += bytes }
    }

    package func channelInactive(context: ChannelHandlerContext) {
        state.withLock { $0.closed = true }
        context.fireChannelInactive()
    }
}

/// What one connection has received, and whether it was closed.
private struct RawClientState {
    package var received: [UInt8] = []
    package var closed = false
}
