package import Foundation
package import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A webhook receiver on 127.0.0.1 for end-to-end tests: it answers from a script and records every request.
package final class TestReceiver: Sendable {
    /// How the receiver answers one request.
    package enum Reply: Sendable {
        case status(Int, body: [UInt8] = [], headers: [(String, String)] = [])
        /// Waits, then answers.
        indirect case delayed(Duration, Reply)
    }

    /// One request as it arrived.
    package struct Received: Sendable {
        package let headers: HTTPFields
        package let body: [UInt8]
        package let at: Date

        package func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    }

    private struct State {
        package var received: [Received] = []
        package var script: [Reply]
        package var fallback: Reply
    }

    private let state: Mutex<State>

    /// Answers with `script` in order, then with `fallback` for good.
    package init(script: [Reply] = [], fallback: Reply = .status(200)) {
        state = Mutex(State(script: script, fallback: fallback))
    }

    package var received: [Received] { state.withLock { $0.received } }

    /// Replaces what the receiver answers from now on.
    package func answer(with fallback: Reply, script: [Reply] = []) {
        state.withLock {
            $0.fallback = fallback
            $0.script = script
        }
    }

    /// Waits until at least `count` requests have arrived, or `seconds` pass. Returns whether they did.
    package func waitFor(count: Int, seconds: Double = 20) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if received.count >= count { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return received.count >= count
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("hook") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let reply = self.state.withLock { state -> Reply in
                state.received.append(
                    Received(headers: request.headers, body: Array(body.readableBytesView), at: Date())
                )
                return state.script.isEmpty ? state.fallback : state.script.removeFirst()
            }
            return try await Self.respond(reply)
        }
        return router
    }

    private static func respond(_ reply: Reply) async throws -> Response {
        switch reply {
        case .delayed(let delay, let next):
            try await Task.sleep(for: delay)
            return try await respond(next)
        case .status(let status, let body, let headers):
            var fields = HTTPFields()
            for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
            return Response(
                status: .init(code: status),
                headers: fields,
                body: .init(byteBuffer: ByteBuffer(bytes: body))
            )
        }
    }

    /// Serves on 127.0.0.1 (`port` 0 picks a free one) until the handle is stopped.
    package func start(port: Int = 0) async throws -> Running {
        Running(server: try await LoopbackServer.start(router(), port: port, label: "test-receiver"))
    }

    /// A receiver that is serving.
    package struct Running: Sendable {
        let server: LoopbackServer

        package var port: Int { server.port }

        package var url: String { "http://127.0.0.1:\(port)/hook" }

        package func stop() async {
            await server.stop()
        }
    }
}

package struct TestReceiverError: Error, CustomStringConvertible {
    package var detail: String
    package var description: String { detail }
}
