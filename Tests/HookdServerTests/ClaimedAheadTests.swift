import Foundation
import HTTPTypes
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdStore
import HookdVerify
import Testing

@testable import HookdServer

/// What is sent is what is in force when it is sent (SPEC §13): a delivery claimed ahead of a free slot, then its
/// endpoint or app changed, goes out as the change says, on both stores.
@Suite struct ClaimedAheadTests {
    /// What changes between the claim and the send.
    enum Change: String, CaseIterable, CustomStringConvertible, Sendable {
        case disable, repoint, rotate, delete, suspend

        var description: String { rawValue }
    }

    /// Caps no test here reaches: only the dispatcher's one slot limits it.
    static let roomy = ClaimCaps(perApp: 100, perEndpoint: 100)

    @Test(arguments: Backend.all, Change.allCases)
    func aChangeMadeAfterTheClaimIsWhatTheSendObeys(backend: Backend, change: Change) async throws {
        let stalling = HostileReceiver(.stallAfterHeaders)
        let stalled = try await stalling.start()
        let old = TestReceiver()
        let new = TestReceiver()
        try await V3_20Endpoints.withSession(on: backend, receivers: [old, new]) { configuration in
            // One request at a time, and one delivery claimed ahead of it.
            configuration.delivery.maximumInFlight = 1
            configuration.delivery.claimBatchSize = 1
            configuration.delivery.timeout = .seconds(120)
        } _: { session in
            let (client, tenant, harness) = (session.client, session.tenant, session.harness)
            _ = try await session.create(url: "http://127.0.0.1:\(stalled.port)/stall", events: ["CARD_FROZEN"])
            let target = try await session.create(url: session.urls[0], events: ["CARD_FUNDED"])
            try await session.publish("card.frozen")
            #expect(try await stalling.waitUntil { $0.open == 1 }, "the one slot is held")
            let published = try await harness.publish(appID: tenant.app.id, client: client)
            let eventID = try #require(published.data["eventId"] as? String)
            #expect(
                try await harness.eventually {
                    try await harness.store.nextDueTime(caps: Self.roomy).map { $0 > harness.clock.unixMillis } ?? false
                },
                "the delivery was claimed, and waits for the slot"
            )

            var newSecret = ""
            switch change {
            case .disable:
                let patched = try await client.json(
                    "/api/v3.20/webhooks/\(target.id)",
                    method: .patch,
                    token: tenant.token,
                    body: #"{"enabled":false}"#
                )
                #expect(patched.status == .ok, "\(patched.raw)")
            case .repoint:
                let patched = try await client.json(
                    "/api/v3.20/webhooks/\(target.id)",
                    method: .patch,
                    token: tenant.token,
                    body: #"{"url":"\#(session.urls[1])"}"#
                )
                #expect(patched.status == .ok, "\(patched.raw)")
            case .rotate:
                let rotated = try await client.json(
                    "/api/v3.20/webhooks/\(target.id)/secret/rotate",
                    method: .post,
                    token: tenant.token,
                    body: "{}"
                )
                newSecret = try #require(rotated.object["secret"] as? String, "\(rotated.raw)")
            case .delete:
                let deleted = try await client.json(
                    "/api/v3.20/webhooks/\(target.id)",
                    method: .delete,
                    token: tenant.token
                )
                #expect(deleted.status == .ok, "\(deleted.raw)")
            case .suspend:
                let administration = harness.administration
                _ = try await administration.setStatus(appID: tenant.app.id, .suspended)
            }
            // What the claim read is older than a read may be when the slot comes free (100 ms by default), so the
            // delivery claimed ahead, next, reads its endpoint again.
            try await Task.sleep(for: harness.configuration.delivery.endpointReadMaximumAge * 2)
            await stalling.closeConnections()

            switch change {
            case .repoint:
                #expect(try await new.waitFor(count: 1), "sent to the URL in force")
                #expect(old.received.isEmpty, "nothing went to the old URL")
            case .rotate:
                #expect(try await old.waitFor(count: 1))
                let received = try #require(old.received.first)
                #expect(
                    try V3_20Endpoints.verify(received, secret: newSecret, at: harness.clock).schemes.count == 2
                )
                #expect(throws: WebhookVerificationError.self, "the old secret signed nothing sent after the rotation")
                {
                    try V3_20Endpoints.verify(received, secret: target.secret, at: harness.clock)
                }
            case .disable, .delete, .suspend:
                let id = try #require(try await Self.delivery(of: eventID, harness: harness, appID: tenant.app.id)).id
                #expect(
                    try await harness.eventually {
                        harness.logs.text.split(separator: "\n").contains {
                            $0.contains("not sent") && $0.contains(id.rawValue)
                        }
                    },
                    "the dispatcher came to the delivery and did not send it"
                )
                #expect(old.received.isEmpty && new.received.isEmpty, "nothing was sent")
                let delivery = try #require(
                    try await Self.delivery(of: eventID, harness: harness, appID: tenant.app.id)
                )
                #expect(delivery.attempts == 0, "no attempt was made")
                #expect(
                    delivery.status == (change == .delete ? .cancelled : .pending),
                    "held, or cancelled with its endpoint"
                )
            }

            // What was held goes once the endpoint is enabled, or the app activated.
            if change == .disable {
                let enabled = try await client.json(
                    "/api/v3.20/webhooks/\(target.id)",
                    method: .patch,
                    token: tenant.token,
                    body: #"{"enabled":true}"#
                )
                #expect(enabled.status == .ok, "\(enabled.raw)")
                #expect(try await old.waitFor(count: 1))
            } else if change == .suspend {
                let administration = harness.administration
                _ = try await administration.setStatus(appID: tenant.app.id, .active)
                #expect(try await old.waitFor(count: 1))
            }
        }
        await stalled.stop()
    }

    /// The delivery of event `eventID`, as the log lists it.
    static func delivery(of eventID: String, harness: TestHarness, appID: AppID) async throws -> DeliverySummary? {
        try await harness.store.deliveries(
            appID: appID,
            endpointID: nil,
            status: nil,
            event: nil,
            eventID: EventID(eventID),
            limit: 10,
            offset: 0
        ).items.first
    }
}
