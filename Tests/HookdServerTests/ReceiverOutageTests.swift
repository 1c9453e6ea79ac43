import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// A receiver that is switched off, down, slow, redirecting or refusing: deliveries wait or fail, and never hang.
@Suite struct ReceiverOutageTests {
    @Test(arguments: Backend.all) func aDisabledURLHoldsDeliveriesUntilItIsSetAgain(backend: Backend) async throws {
        let receiver = TestReceiver()
        try await TestHarness.withSubscriber(on: backend, to: receiver) { harness, client, subscriber in
            try await client.configure(nil, token: subscriber.token)
            try await harness.publishNumbered(3, appID: subscriber.app.id, client: client, field: "i")
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.received.isEmpty)
            let pending = try await client.json(
                "/api/v3/webhooks/deliveries?status=pending",
                method: .get,
                token: subscriber.token
            )
            #expect((pending.object["pagination"] as? [String: Any])?["total"] as? Int == 3)
            try await client.configure(subscriber.url, token: subscriber.token)
            #expect(try await receiver.waitFor(count: 3))
        }
    }

    @Test(arguments: Backend.all) func aReceiverThatIsDownThenBackGetsEverythingWithoutAManualStep(
        backend: Backend
    ) async throws {
        let configure: (inout HookdServerConfiguration) -> Void = {
            $0.delivery.retrySchedule = [.seconds(5), .seconds(5), .seconds(5)]
        }
        try await TestHarness.withDeliveries(
            on: backend,
            configure: configure
        ) { harness in
            let receiver = TestReceiver()
            // Down: the port refuses connections, and stays ours until the receiver comes back on it.
            let down = try ClosedPort()
            let port = down.port
            try await harness.withLiveServer { client in
                let subscriber = try await harness.subscribe(client: client, url: "http://127.0.0.1:\(port)/hook")
                try await harness.publishNumbered(20, appID: subscriber.app.id, client: client, field: "i")
                #expect(
                    try await harness.eventually {
                        let log = try await client.json(
                            "/api/v3/webhooks/deliveries?limit=100",
                            method: .get,
                            token: subscriber.token
                        )
                        let entries = log.object["data"] as? [[String: Any]] ?? []
                        return entries.count == 20 && entries.allSatisfy { $0["attempts"] as? Int == 1 }
                    }
                )
                let detail = try await client.json(
                    "/api/v3/webhooks/deliveries/\(try await client.onlyDeliveryID(token: subscriber.token, index: 0))",
                    method: .get,
                    token: subscriber.token
                )
                let attempt = try #require((detail.data["attemptHistory"] as? [[String: Any]])?.first)
                #expect((attempt["error"] as? String)?.contains("connection") == true, "\(attempt)")
                #expect(attempt["httpStatus"] is NSNull)

                down.release()
                try await receiver.withRunning(port: port) { back async throws in
                    harness.clock.advance(by: 5)
                    #expect(try await receiver.waitFor(count: 20))
                    #expect(Set(receiver.received.map { $0.header("webhook-id") }).count == 20)
                }
            }
        }
    }

    @Test(arguments: Backend.all) func timeoutsRedirectsAndHugeAnswersAreFailuresThatNeitherHangNorCrash(
        backend: Backend
    ) async throws {
        // The timeout leaves room for a machine busy with the rest of the suite (with 2 s, the 10 MiB answer's attempt
        // once ran out of time in CI); the slow answer is well past it.
        let configure: (inout HookdServerConfiguration) -> Void = { $0.delivery.timeout = .seconds(5) }
        try await TestHarness.withDeliveries(on: backend, configure: configure) { harness in
            let huge = Array(repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024)
            let receiver = TestReceiver(script: [
                .delayed(.seconds(15), .status(200)),
                .status(302, headers: [("Location", "http://127.0.0.1:1/elsewhere")]),
                .status(500, body: huge),
                .status(200, body: huge),
            ])
            try await harness.withSubscriber(to: receiver) { client, subscriber in
                var outcomes: [[String: Any]] = []
                for index in 0..<4 {
                    harness.clock.advance(by: 1)
                    _ = try await harness.publish(
                        "card.created",
                        data: #"{"i":\#(index)}"#,
                        appID: subscriber.app.id,
                        client: client
                    )
                    #expect(try await receiver.waitFor(count: index + 1, seconds: 10))
                    #expect(try await harness.waitForAttempts(1, client: client, token: subscriber.token))
                    let id = try await client.onlyDeliveryID(token: subscriber.token, index: 0)
                    let detail = try await client.json(
                        "/api/v3/webhooks/deliveries/\(id)",
                        method: .get,
                        token: subscriber.token
                    )
                    outcomes.append(try #require((detail.data["attemptHistory"] as? [[String: Any]])?.first))
                    #expect(detail.data["status"] as? String == (index == 3 ? "SUCCEEDED" : "PENDING"))
                }
                #expect((outcomes[0]["error"] as? String)?.contains("no answer within") == true, "\(outcomes[0])")
                #expect(outcomes[1]["httpStatus"] as? Int == 302, "a redirect is not followed")
                #expect(outcomes[2]["httpStatus"] as? Int == 500)
                #expect((outcomes[2]["responseBody"] as? String)?.count == 2048, "only 2 KiB of an answer is kept")
                #expect(outcomes[3]["httpStatus"] as? Int == 200, "a 2xx is a success whatever its body")
                #expect(receiver.received.count == 4, "the redirect's target was never requested")
            }
        }
    }

    @Test(arguments: Backend.all) func aRefusedConnectionIsAFailureNotAHang(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            try await harness.withLiveServer { client in
                let subscriber = try await harness.subscribe(client: client, url: "http://127.0.0.1:1/hook")
                _ = try await harness.publish("card.created", data: "{}", appID: subscriber.app.id, client: client)
                #expect(try await harness.waitForAttempts(1, client: client, token: subscriber.token))
            }
        }
    }
}
