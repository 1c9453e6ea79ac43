import Foundation

/// Runs `body`, then `cleanUp`, whether `body` returned or threw; the scoped helpers' common ground.
///
/// Unlike a clean-up handed to an unstructured task from a `defer`, the clean-up is awaited before the caller goes on.
package func runThenCleanUp<Value>(
    _ body: () async throws -> Value,
    cleanUp: () async -> Void
) async throws -> Value {
    let value: Value
    do {
        value = try await body()
    } catch {
        await cleanUp()
        throw error
    }
    await cleanUp()
    return value
}

/// Checks `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
package func pollUntil(seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
