import HookdCore

/// Scoped receivers: each serves for the length of its body and is stopped, the stop awaited, whether the body
/// returned or threw.
extension TestReceiver {
    /// Runs `body` while this receiver serves on 127.0.0.1 (`port` 0 picks a free one).
    package func withRunning<Value>(port: Int = 0, _ body: (Running) async throws -> Value) async throws -> Value {
        let running = try await start(port: port)
        return try await runThenCleanUp {
            try await body(running)
        } cleanUp: {
            await running.stop()
        }
    }

    /// Runs `body` while every receiver of `receivers` serves, with their handles in the same order.
    package static func withRunning<Value>(
        _ receivers: [TestReceiver],
        _ body: ([Running]) async throws -> Value
    ) async throws -> Value {
        guard let first = receivers.first else { return try await body([]) }
        return try await first.withRunning { running in
            try await withRunning(Array(receivers.dropFirst())) { rest in try await body([running] + rest) }
        }
    }
}

extension HostileReceiver {
    /// Runs `body` while this receiver serves on `host` (`port` 0 picks a free one), then stops it.
    package func withRunning<Value>(
        host: String = "127.0.0.1",
        port: Int = 0,
        _ body: (Running) async throws -> Value
    ) async throws -> Value {
        let running = try await start(host: host, port: port)
        return try await runThenCleanUp {
            try await body(running)
        } cleanUp: {
            await running.stop()
        }
    }
}
