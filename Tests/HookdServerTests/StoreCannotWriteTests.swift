import Foundation
import HTTPTypes
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdStore
import HummingbirdTesting
import NIOCore
import Testing

@testable import HookdServer

/// A store that cannot write (SQLite on a full filesystem): requests that write are answered `503` with
/// `Retry-After` and change nothing, `/health` names the database's writes as the unwell part, a metric and one log
/// line say so, nothing acknowledged is lost, and hookd carries on by itself once there is room again.
@Suite struct StoreCannotWriteTests {
    @Test(.enabled(if: SmallFilesystem.isAvailable, "mounting a small filesystem needs root (CI runs as root)"))
    func aFullDiskIsA503AndNothingAcknowledgedIsLost() async throws {
        let receiver = TestReceiver()
        try await receiver.withRunning { running in
            try await SmallFilesystem.with(megabytes: 16) { directory in
                let store = try SQLiteStore(path: directory.appendingPathComponent("hookd.sqlite").path)
                let harness = TestHarness(directory: directory, store: store, dropStore: {}) { configuration in
                    configuration.allowHTTPTargets = true
                    configuration.allowPrivateTargets = true
                    configuration.delivery.retryJitter = 0
                    configuration.delivery.idlePollInterval = .milliseconds(20)
                    configuration.delivery.releaseLeasesOnStart = true
                }
                try await harness.withLiveServer { client in
                    let subscriber = try await harness.subscribe(client: client, url: running.url)
                    // Room for a few hundred publishes, then none.
                    let filler = try SmallFilesystem.fill(directory, leaving: 4 << 20)

                    // Publish until the disk refuses a good many; each answer is 202 (stored) or 503 (not).
                    let padding = String(repeating: "x", count: 2048)
                    var acknowledged: [String] = []
                    var refused = 0
                    var others: [String] = []
                    for _ in 0..<3000 where refused < 50 {
                        let eventID = UUID().uuidString.lowercased()
                        let answer = try await harness.publish(
                            "card.created",
                            data: #"{"padding":"\#(padding)"}"#,
                            eventID: eventID,
                            appID: subscriber.app.id,
                            client: client
                        )
                        switch answer.status {
                        case .accepted:
                            acknowledged.append(eventID)
                        case .serviceUnavailable:
                            refused += 1
                            #expect(answer.errorCode == "SERVICE_UNAVAILABLE")
                            #expect(answer.headers[.retryAfter] == "10", "a full disk is retried later, not at once")
                        default:
                            others.append("\(answer.status.code) \(answer.errorCode ?? "")")
                        }
                    }
                    #expect(
                        refused >= 50,
                        "the full disk refused publishes: \(refused) refused, \(acknowledged.count) stored"
                    )
                    #expect(acknowledged.count >= 20, "some were stored before the disk filled: \(acknowledged.count)")
                    #expect(others.isEmpty, "every answer is 202 or 503, never a 500: \(others.prefix(5))")

                    let log = try await client.json(
                        "/api/v3/webhooks/deliveries",
                        method: .get,
                        token: subscriber.token
                    )
                    #expect(
                        log.status == .ok,
                        "the log stays readable (its read goes uncounted): \(log.raw.prefix(300))"
                    )
                    let unwell = try await client.json("/health", method: .get)
                    #expect(unwell.status == .serviceUnavailable)
                    #expect((unwell.error["detail"] as? String)?.contains("cannot write") == true, "\(unwell.raw)")
                    let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                    #expect(metrics.contains("hookd_store_writable 0"))
                    #expect(!metrics.contains("hookd_store_write_failures_total 0\n"))
                    let logLines = harness.logs.text.split(separator: "\n").filter {
                        $0.contains("the database cannot write")
                    }
                    #expect(logLines.count == 1, "one line a minute, however many requests failed: \(logLines.count)")

                    // Room again: hookd carries on by itself, and every acknowledged event is delivered.
                    try FileManager.default.removeItem(at: filler)
                    harness.clock.advance(by: 3600)
                    let healthy = try await harness.eventually(seconds: 30) {
                        try await client.json("/health", method: .get).status == .ok
                    }
                    #expect(healthy, "healthy again once the store can write")
                    let after = try await harness.publish(
                        "card.created",
                        data: "{}",
                        appID: subscriber.app.id,
                        client: client
                    )
                    #expect(after.status == .accepted)
                    let stored = acknowledged
                    let arrived = try await harness.eventually(seconds: 120) {
                        let ids = Set(receiver.received.compactMap { $0.header("webhook-id") })
                        return stored.allSatisfy { ids.contains($0) }
                    }
                    let ids = Set(receiver.received.compactMap { $0.header("webhook-id") })
                    #expect(
                        arrived,
                        "lost: \(acknowledged.filter { !ids.contains($0) }.count) of \(acknowledged.count)"
                    )
                    print(
                        "full disk: \(acknowledged.count) publishes stored and \(refused) refused before room returned; "
                            + "\(acknowledged.filter { ids.contains($0) }.count) of the stored delivered after"
                    )
                }
                // The store's files go with the filesystem.
            }
        }
    }
}
