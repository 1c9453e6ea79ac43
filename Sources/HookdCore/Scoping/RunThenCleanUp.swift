/// Runs `body`, then `cleanUp`, whether `body` returned or threw: a `defer` that can `await`.
///
/// A benchmark starts processes, receivers and a load generator that must all be stopped, on success as on
/// failure, so that nothing of a run outlives it; the tests' scoped fixtures (a server, a store, a receiver) are
/// stopped the same way. Each is stopped once, in `cleanUp`, rather than on both paths, and unlike a clean-up handed
/// to an unstructured task from a `defer`, it is awaited before the caller goes on.
///
/// - Parameters:
///   - body: The work; what it returns or throws is passed on after `cleanUp` has run.
///   - cleanUp: What always runs after `body`.
/// - Returns: What `body` returned.
/// - Throws: What `body` threw.
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
