import Foundation
import NIOHTTP1

/// A backlog published to a hookd started with `--role api`: it has no dispatcher, so every delivery waits until a
/// hookd with one starts on the same store. Used by the drains that time that start to the last arrival.
struct HeldBacklog {
    /// The hookd to publish through (`--role api` is added).
    var setup: HookdSetup
    var app: BenchApp
    /// The v3.20 endpoints made first, each at the receiver's URL, taking `CARD_CREATED`, with this secret and
    /// ordering.
    var endpoints: Int
    var url: String
    var secret: String
    var ordering = "NONE"
    var concurrency: Int

    /// Makes the endpoints and publishes one event per id of `eventIDs` (event `i` with `orderingKey(i)` as its
    /// key, if any); returns the publishing rate. Throws if any publish failed.
    func publish(
        _ eventIDs: [String],
        orderingKey: @escaping @Sendable (Int) -> String? = { _ in nil },
        client: LoadGenerator,
        progress: BenchProgress
    ) async throws -> Double {
        var publishing = setup
        publishing.serveOptions += ["--role", "api"]
        let api = try await HookdUnderTest.start(publishing)
        let published: (rate: Double, failed: Int)
        do {
            let session = try await BenchSession.open(api, app: app, client: client)
            progress.say("creating \(endpoints) endpoints; publishing \(eventIDs.count) events to hookd --role api")
            for _ in 0..<endpoints {
                try await session.createEndpoint(
                    url: url,
                    event: "CARD_CREATED",
                    secret: secret,
                    ordering: ordering,
                    client: client
                )
            }
            let counter = Counter()
            let result = try await progress.reporting("\(counter.current) published") {
                await client.run(
                    count: eventIDs.count,
                    concurrency: concurrency,
                    expecting: .accepted,
                    progress: counter
                ) { index in
                    session.publishRequest(eventID: eventIDs[index], index: index, orderingKey: orderingKey(index))
                }
            }
            published = (result.rate, result.failed)
            _ = await api.stop()
        } catch {
            _ = await api.stop()
            throw error
        }
        guard published.failed == 0 else { throw BenchError("\(published.failed) publishes failed") }
        return published.rate
    }

    /// A secret brought for the endpoints, so that every sample verifies with one.
    static func randomSecret() -> String {
        "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }
}
