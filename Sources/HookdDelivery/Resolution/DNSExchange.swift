import NIOCore
import NIOPosix
import Synchronization

/// Asks the name servers one question, over UDP and, when the answer is truncated, over TCP, until an answer comes,
/// every name server has failed, or a deadline passes.
///
/// Each try is a fresh UDP socket on an ephemeral port, connected to the name server (so the kernel drops
/// datagrams from any other address or port and reports an ICMP "port unreachable" as an error), carrying a query
/// with a fresh random id. A datagram that is not the answer to that query (another source, another id, another
/// question, not a response, or not even a DNS message) is ignored and the try keeps listening: a spoofer off the
/// path can neither end the lookup nor answer it without guessing the id and the port.
///
/// The tries go to the name servers in turn (`attempts` rounds), the next one starting after `retransmitInterval`
/// or as soon as a try fails (SERVFAIL, REFUSED, an answer that cannot be read, an error on the socket). A try
/// that is overtaken keeps listening, so a slow answer still counts. The first usable answer (NOERROR or NXDOMAIN)
/// ends the exchange and closes every socket; so does the deadline, and so does the cancellation of the task.
struct DNSExchange: Sendable {
    /// How an exchange ended.
    enum Outcome: Sendable, Equatable {
        /// A name server answered (NOERROR or NXDOMAIN).
        case answer(DNSMessage)
        /// Every try failed before the deadline.
        case failed
        /// The deadline passed without an answer.
        case timedOut
    }

    /// The name servers, in order.
    let servers: [SocketAddress]
    /// How many times each name server is tried.
    let attempts: Int
    /// How long a try waits alone before the next one starts.
    let retransmitInterval: Duration
    /// Where the sockets live.
    let group: any EventLoopGroup

    /// What happened to one task of an exchange.
    private enum Event: Sendable {
        /// A usable answer.
        case answer(DNSMessage)
        /// The answer was truncated: ask the same server over TCP.
        case truncated(server: Int)
        /// The try is over without an answer.
        case failed
        /// Time for the try after try `number` to start.
        case retransmit(after: Int)
        /// The exchange's deadline.
        case deadline
    }

    /// What a received message means for the query it may answer.
    enum Verdict: Sendable, Equatable {
        /// Not an answer to this query: ignored.
        case unrelated
        /// The answer, cut to fit a datagram.
        case truncated
        /// A usable answer.
        case answer(DNSMessage)
        /// The server answered that it cannot answer (SERVFAIL, REFUSED, …), or its answer cannot be read.
        case serverFailure
    }

    /// Asks `question`, and returns the first usable answer.
    ///
    /// - Parameters:
    ///   - question: The name and type to ask about.
    ///   - deadline: When to give up.
    /// - Returns: The answer, or why there is none.
    /// - Throws: `CancellationError` when the task is cancelled; every socket is closed before it returns.
    func ask(_ question: DNSMessage.Question, deadline: ContinuousClock.Instant) async throws -> Outcome {
        guard !servers.isEmpty, attempts > 0 else { return .failed }
        guard ContinuousClock.now < deadline else { return .timedOut }
        let tries = servers.count * attempts
        return try await withThrowingTaskGroup(of: Event.self) { group in
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return .deadline
            }
            var started = 0
            var open = 0
            var askedOverTCP: Set<Int> = []
            func startTry() {
                let server = started % servers.count
                let number = started
                started += 1
                open += 1
                group.addTask { try await self.tryUDP(question, server: server) }
                if started < tries {
                    group.addTask {
                        try await Task.sleep(for: retransmitInterval)
                        return .retransmit(after: number)
                    }
                }
            }
            startTry()
            while let event = try await group.next() {
                switch event {
                case .answer(let message):
                    group.cancelAll()
                    return .answer(message)
                case .deadline:
                    group.cancelAll()
                    return .timedOut
                case .retransmit(let number):
                    // Only the latest try's timer counts: a failure may have started the next try already. Once a
                    // server answered that its answer is too long for UDP, it is being asked over TCP: no more
                    // datagrams (a TCP failure starts the next try).
                    if number == started - 1, started < tries, askedOverTCP.isEmpty {
                        startTry()
                    }
                case .truncated(let server):
                    if askedOverTCP.insert(server).inserted {
                        group.addTask { try await self.tryTCP(question, server: server) }
                        continue
                    }
                    fallthrough
                case .failed:
                    open -= 1
                    if started < tries {
                        startTry()
                    } else if open == 0 {
                        group.cancelAll()
                        return .failed
                    }
                }
            }
            return .timedOut
        }
    }

    /// One try over UDP: a fresh socket and id, one query, and every datagram read until the answer comes.
    private func tryUDP(_ question: DNSMessage.Question, server index: Int) async throws -> Event {
        try await oneTry(question, server: index) { server, id, query in
            // Without EDNS an answer over UDP is at most 512 bytes (RFC 1035 §4.2.1); a longer one is cut to the
            // buffer, fails to parse, and counts as that server's failure.
            let channel = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
                .connect(to: server) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, ByteBuffer>(
                            wrappingChannelSynchronously: channel
                        )
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: query))
                for try await datagram in inbound where datagram.remoteAddress == server {
                    switch Self.verdict(on: Array(datagram.data.readableBytesView), id: id, question: question) {
                    case .unrelated: continue
                    case .truncated: return .truncated(server: index)
                    case .answer(let message): return .answer(message)
                    case .serverFailure: return .failed
                    }
                }
                try Task.checkCancellation()
                return .failed
            }
        }
    }

    /// The same question over TCP, after a truncated answer: the query with a two-byte length in front, and the
    /// answer read the same way (RFC 1035 §4.2.2).
    private func tryTCP(_ question: DNSMessage.Question, server index: Int) async throws -> Event {
        try await oneTry(question, server: index) { server, id, query in
            let channel = try await CancellableConnect.connect(to: server, group: group)
            return try await channel.executeThenClose { inbound, outbound in
                var framed = ByteBuffer()
                framed.writeInteger(UInt16(query.count))
                framed.writeBytes(query)
                try await outbound.write(framed)
                var received = ByteBuffer()
                for try await var chunk in inbound {
                    received.writeBuffer(&chunk)
                    guard let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
                        let message = received.getBytes(at: received.readerIndex + 2, length: Int(length))
                    else { continue }
                    // On a connection nobody else can answer: anything but the answer is a failure.
                    if case .answer(let answer) = Self.verdict(on: message, id: id, question: question, overTCP: true) {
                        return .answer(answer)
                    }
                    return .failed
                }
                try Task.checkCancellation()
                return .failed
            }
        }
    }

    /// One try of `question` at server `index` under a fresh random id, so an answer to an earlier try cannot be
    /// taken for it: `exchange` sends the query and reads the answer. A failure of the socket, or of writing the
    /// query, counts as that server's failure; cancellation is thrown.
    private func oneTry(
        _ question: DNSMessage.Question,
        server index: Int,
        _ exchange: (_ server: SocketAddress, _ id: UInt16, _ query: [UInt8]) async throws -> Event
    ) async throws -> Event {
        var random = SystemRandomNumberGenerator()
        let id = UInt16.random(in: .min ... .max, using: &random)
        guard let query = try? DNSMessage.query(id: id, question: question) else { return .failed }
        do {
            return try await exchange(servers[index], id, query)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            return .failed
        }
    }

    /// What `bytes` mean for the query with `id` asking `question`.
    ///
    /// A message answers the query when it is a response to a standard query with the same id and the same single
    /// question (the name compared without regard to ASCII case). Only then is its response code believed, and
    /// only then is the rest of it read: an answer whose records cannot be read counts as the server's failure.
    static func verdict(
        on bytes: [UInt8],
        id: UInt16,
        question: DNSMessage.Question,
        overTCP: Bool = false
    ) -> Verdict {
        guard let (header, questions) = try? DNSMessage.questions(of: bytes),
            header.isResponse, header.id == id, header.opcode == 0, questions.count == 1,
            questions[0].type == question.type, questions[0].recordClass == question.recordClass,
            questions[0].name == DNSMessage.spelling(of: question.name)
        else { return .unrelated }
        if header.isTruncated && !overTCP {
            return .truncated
        }
        guard header.responseCode == .noError || header.responseCode == .nameError,
            let message = try? DNSMessage(parsing: bytes)
        else { return .serverFailure }
        return .answer(message)
    }
}

/// A TCP connection whose attempt stops the moment its task is cancelled.
///
/// `ClientBootstrap.connect` does not watch for cancellation: to a name server that drops SYNs it would wait for its
/// connect timeout whatever became of the task. The bootstrap hands its channel to the initializer before it
/// connects, so the cancellation handler can close that channel, which fails the connection attempt at once.
private enum CancellableConnect {
    private struct State {
        var channel: (any Channel)?
        var cancelled = false
    }

    static func connect(
        to server: SocketAddress,
        group: any EventLoopGroup
    ) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let state = Mutex(State())
        return try await withTaskCancellationHandler {
            try await ClientBootstrap(group: group)
                .connect(to: server) { channel in
                    let cancelled = state.withLock { state in
                        state.channel = channel
                        return state.cancelled
                    }
                    if cancelled {
                        return channel.eventLoop.makeFailedFuture(CancellationError())
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } onCancel: {
            let channel = state.withLock { state in
                state.cancelled = true
                return state.channel
            }
            channel?.close(promise: nil)
        }
    }
}
