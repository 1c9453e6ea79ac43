import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// Receivers that stall, drip, lie or never stop: each attempt ends at the delivery timeout at the latest, is
/// recorded with what was received, and lets go of its connection (ISSUE: isolation). Loopback only.
@Suite struct HostileReceiverTests {
    /// One misbehaviour and what hookd must make of it.
    struct Case: Sendable, CustomStringConvertible {
        let behaviour: HostileReceiver.Behaviour
        let scheme: String
        /// The status the test route answers with.
        let routeStatus: Int
        /// What the attempt's log entry says: a piece of its `error`, or its `httpStatus`.
        let logged: Logged

        enum Logged: Sendable {
            case error(String)
            case httpStatus(Int)
        }

        var description: String { "\(behaviour) over \(scheme)" }
    }

    /// The timeout of every case: short, with room for a machine busy with the rest of the suite.
    static let timeout = 2

    static let cases: [Case] = [
        Case(
            behaviour: .stallAfterHeaders,
            scheme: "http",
            routeStatus: 422,
            logged: .error("no answer within 2 s: HTTP 200 received, its body unfinished after 0 bytes")
        ),
        Case(
            behaviour: .dripOneBytePerSecond,
            scheme: "http",
            routeStatus: 422,
            logged: .error("bytes received, without a complete status line and headers")
        ),
        Case(
            behaviour: .endlessHeaders,
            scheme: "http",
            routeStatus: 422,
            logged: .error("not an HTTP answer: the status line and headers exceeded 16 KiB")
        ),
        Case(behaviour: .hugeBody, scheme: "http", routeStatus: 200, logged: .httpStatus(200)),
        Case(
            behaviour: .resetMidBody,
            scheme: "http",
            routeStatus: 422,
            logged: .error("HTTP 200 received, its body unfinished after 100 bytes")
        ),
        Case(
            behaviour: .acceptAndNeverRead,
            scheme: "http",
            routeStatus: 422,
            logged: .error("no answer within 2 s: request sent, nothing received")
        ),
        Case(behaviour: .redirectLoop, scheme: "http", routeStatus: 422, logged: .httpStatus(302)),
        Case(
            behaviour: .garbage,
            scheme: "http",
            routeStatus: 422,
            logged: .error("not an HTTP answer: the answer is not HTTP/1.x")
        ),
        Case(
            behaviour: .silent,
            scheme: "https",
            routeStatus: 422,
            logged: .error("no answer within 2 s: connected, the TLS handshake not finished")
        ),
    ]

    @Test(.timeLimit(.minutes(1)), arguments: cases)
    func aHostileReceiverIsCutOffRecordedAndLetGo(case hostile: Case) async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.delivery.timeout = .seconds(Self.timeout) }
        try await TestHarness.withDeliveries(configure: configure) { harness in
            let receiver = HostileReceiver(hostile.behaviour)
            try await receiver.withRunning { running in
                try await harness.withClient { client in
                    let url = "\(hostile.scheme)://127.0.0.1:\(running.port)/hook"
                    let subscriber = try await harness.subscribe(client: client, url: url)

                    let answer = try await client.json("/api/v3/webhooks/test", method: .post, token: subscriber.token)
                    #expect(Int(answer.status.code) == hostile.routeStatus, "\(answer.raw)")
                    if hostile.behaviour == .redirectLoop {
                        // A complete answer: the connection may stay open, idle, for the next attempt.
                        #expect(receiver.connectionCounts.accepted == 1, "the redirect was not followed")
                    } else {
                        #expect(
                            try await receiver.waitUntilAllClosed(),
                            "hookd closed its connection: \(receiver.connectionCounts)"
                        )
                    }

                    let id = try await client.onlyDeliveryID(token: subscriber.token)
                    let detail = try await client.json(
                        "/api/v3/webhooks/deliveries/\(id)",
                        method: .get,
                        token: subscriber.token
                    )
                    let attempt = try #require((detail.data["attemptHistory"] as? [[String: Any]])?.first)
                    switch hostile.logged {
                    case .error(let text):
                        #expect((attempt["error"] as? String)?.contains(text) == true, "\(attempt)")
                        #expect(
                            answer.error["detail"] as? String == "The test delivery failed: \(attempt["error"] ?? "")"
                        )
                    case .httpStatus(let status):
                        #expect(attempt["httpStatus"] as? Int == status, "\(attempt)")
                    }
                    if hostile.behaviour == .hugeBody {
                        #expect(
                            (attempt["responseBody"] as? String)?.count == 2048,
                            "2 KiB kept of 100 MB, the rest unread"
                        )
                    }
                }
            }
        }
    }

    @Test(arguments: Backend.all) func aNeighbourWithManyStallingEndpointsHoldsOnlyItsShare(
        backend: Backend
    ) async throws {
        // The neighbour's attempts stay stalled for the whole test: whatever the quiet app receives, it receives
        // while the neighbour holds all it may. It has 24 endpoints; a tenant is an app, however many it has.
        let configure: (inout HookdServerConfiguration) -> Void = { configuration in
            configuration.delivery.timeout = .seconds(120)
            configuration.limits.endpointsPerApp = 24
        }
        try await TestHarness.withDeliveries(
            on: backend,
            configure: configure
        ) { harness in
            let stalling = HostileReceiver(.stallAfterHeaders)
            let stalled = try await stalling.start()
            let quiet = TestReceiver()
            try await quiet.withRunning { listening in
                try await harness.withLiveServer { client in
                    let neighbour = try await V3_20Endpoints.tenant(harness, client: client)
                    for index in 0..<24 {
                        _ = try await neighbour.createEndpoint(
                            client,
                            url: "http://127.0.0.1:\(stalled.port)/hook/\(index)",
                            events: ["CARD_CREATED"]
                        )
                    }
                    let other = try await harness.subscribe(client: client, url: listening.url)
                    try await harness.publishNumbered(10, appID: neighbour.app.id, client: client)
                    let cap = harness.configuration.delivery.maximumInFlightPerApp
                    #expect(cap < harness.configuration.delivery.maximumInFlight)
                    #expect(try await stalling.waitUntil { $0.open == cap }, "\(stalling.connectionCounts)")

                    try await harness.publishNumbered(20, appID: other.app.id, client: client)
                    #expect(try await quiet.waitFor(count: 20, seconds: 15), "the quiet app's events all arrived")
                    let counts = stalling.connectionCounts
                    #expect(counts.open == cap, "the neighbour's attempts were still stalled: \(counts)")
                    #expect(
                        counts.mostOpen == cap,
                        "240 deliveries, 24 endpoints: never more than the app's cap \(counts)"
                    )
                    // Let the stalled attempts end now rather than at their deadline.
                    await stalled.stop()
                }
            }
        }
    }
}
