import Foundation
import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// The operational events (SPEC §14): what the store sends when an endpoint starts failing, is disabled or enabled,
/// or a delivery exhausts its attempts; each once, to the app's subscribed endpoints but the one it is about, and to
/// the operator's webhook when one is set; on every backend.
@Suite struct OperationalNoticeTests {
    @Test(arguments: StoreBackend.all)
    func aFailingEndpointIsWarnedOncePerRunOfFailuresAndNeverTold(backend: StoreBackend) async throws {
        try await withNoticeFixture(backend) { store, fixture in
            func fail(at now: Int64, warningLimit: Int64? = nil) async throws {
                try await failOnce(
                    store,
                    app: fixture.app,
                    to: fixture.failing,
                    at: UnixMillis(now),
                    warningLimit: warningLimit.map(UnixMillis.init)
                )
            }
            try await fail(at: 1_000)
            try await fail(at: 2_000, warningLimit: 999)
            #expect(try await fixture.notices(store, to: fixture.listener, "webhook.endpoint.failing").isEmpty)

            try await fail(at: 3_000, warningLimit: 1_000)
            try await fail(at: 4_000, warningLimit: 3_000)
            let warnings = try await fixture.notices(store, to: fixture.listener, "webhook.endpoint.failing")
            #expect(warnings.count == 1, "once per run of failures")
            let data = try #require(warnings.first).data
            #expect(data["webhookId"] as? String == fixture.failing.rawValue)
            #expect(data["failingSince"] as? String == "1970-01-01T00:00:01+00:00")
            #expect(data["disableAt"] as? String == "1970-01-02T00:00:01+00:00", "a day after, as the completion said")
            #expect(try await fixture.notices(store, to: fixture.failing, nil).isEmpty, "never about itself")

            // A success ends the run; the next run is warned about again.
            try await succeedOnce(store, app: fixture.app, to: fixture.failing, at: UnixMillis(5_000))
            try await fail(at: 6_000)
            try await fail(at: 7_000, warningLimit: 6_000)
            #expect(try await fixture.notices(store, to: fixture.listener, "webhook.endpoint.failing").count == 2)
        }
    }

    @Test(arguments: StoreBackend.all)
    func disablingAndEnablingAreToldOnceToTheOtherEndpointsAndTheOperator(backend: StoreBackend) async throws {
        try await withNoticeFixture(backend, operatorWebhook: true) { store, fixture in
            try await failOnce(store, app: fixture.app, to: fixture.failing, at: UnixMillis(1_000))
            try await failOnce(
                store,
                app: fixture.app,
                to: fixture.failing,
                at: UnixMillis(2_000),
                failingLimit: UnixMillis(1_000),
                warningLimit: UnixMillis(1_000)
            )
            let disabled = try await fixture.notices(store, to: fixture.listener, "webhook.endpoint.disabled")
            #expect(disabled.count == 1)
            #expect(disabled.first?.data["reason"] as? String == "FAILING")
            #expect(
                try await fixture.notices(store, to: fixture.listener, "webhook.endpoint.failing").isEmpty,
                "disabled, not warned, in the same attempt"
            )

            // Eight enables at once: one finds it disabled, and it alone tells.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        _ = try await store.updateEndpoint(
                            appID: fixture.app.id,
                            id: fixture.failing,
                            EndpointChange(enabled: true),
                            now: UnixSeconds(3)
                        )
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await fixture.notices(store, to: fixture.listener, "webhook.endpoint.enabled").count == 1)
            #expect(try await fixture.notices(store, to: fixture.failing, nil).isEmpty, "never about itself")

            // The operator gets a copy of each, with the app named.
            let operatorCopies = try await fixture.notices(store, to: OperatorWebhook.endpointID, nil)
            #expect(
                Set(operatorCopies.map(\.event)) == [
                    "webhook.endpoint.disabled", "webhook.endpoint.enabled", "webhook.delivery.exhausted",
                ]
            )
            #expect(operatorCopies.filter { $0.event == "webhook.endpoint.enabled" }.count == 1)
            #expect(operatorCopies.allSatisfy { $0.data["appId"] as? String == fixture.app.id.rawValue })
        }
    }

    @Test(arguments: StoreBackend.all)
    func anExhaustedDeliveryIsToldButNotATestNorAnOperationalOne(backend: StoreBackend) async throws {
        try await withNoticeFixture(backend) { store, fixture in
            try await failOnce(store, app: fixture.app, to: fixture.failing, at: UnixMillis(1_000), status: 503)
            let exhausted = try await fixture.notices(store, to: fixture.listener, "webhook.delivery.exhausted")
            #expect(exhausted.count == 1)
            let data = try #require(exhausted.first).data
            #expect(data["event"] as? String == "CARD_FUNDED")
            #expect(data["attempts"] as? Int == 1)
            #expect(data["lastHttpStatus"] as? Int == 503)
            #expect(data["webhookId"] as? String == fixture.failing.rawValue)

            // The listener now fails its own notice for good: that is not told again (no cascade).
            let notice = try #require(
                try await store.claim(10, at: UnixMillis(2_000)).first { $0.endpointID == fixture.listener }
            )
            #expect(
                try await store.completeAttempt(
                    .attempt(on: notice, at: UnixMillis(2_000), httpStatus: 500, status: .failed)
                )
            )
            let told = try await fixture.notices(store, to: fixture.failing, nil)
            #expect(told.isEmpty, "the failing endpoint subscribes too, but hears of nothing about itself")
            #expect(
                try await fixture.notices(store, to: fixture.listener, "webhook.delivery.exhausted").count == 1,
                "a notice's own exhaustion is not a notice"
            )
        }
    }
}

/// An app with two v3.20 endpoints: `failing`, subscribed to `card.funded` and to every operational event, and
/// `listener`, subscribed to the operational events alone.
struct NoticeFixture: Sendable {
    let app: App
    let failing: EndpointID
    let listener: EndpointID

    /// An operational delivery as stored: its event name and its data parsed.
    struct Notice: @unchecked Sendable {
        let event: String
        let data: [String: Any]
    }

    /// The deliveries to `endpoint` (of the operator's app for the operator's webhook) of `event`, or of every
    /// operational event, with their data.
    func notices(_ store: any Store, to endpoint: EndpointID, _ event: String?) async throws -> [Notice] {
        let appID = endpoint == OperatorWebhook.endpointID ? OperatorWebhook.appID : app.id
        let names = event.map { [$0] } ?? EventCatalogue.operationalEvents.map(\.name)
        var found: [Notice] = []
        for name in names {
            let (items, _) = try await store.deliveries(
                appID: appID,
                endpointID: endpoint,
                status: nil,
                event: name,
                eventID: nil,
                limit: 100,
                offset: 0
            )
            for item in items {
                let detail = try #require(try await store.delivery(appID: appID, id: item.id))
                let data = try JSONSerialization.jsonObject(with: Data(detail.data)) as? [String: Any]
                found.append(Notice(event: name, data: data ?? [:]))
            }
        }
        return found
    }
}

/// Runs `body` with a ``NoticeFixture`` in a store of `backend`; with `operatorWebhook`, the operator's webhook set.
func withNoticeFixture(
    _ backend: StoreBackend,
    operatorWebhook: Bool = false,
    _ body: @Sendable (any Store, NoticeFixture) async throws -> Void
) async throws {
    try await withStore(backend) { store in
        let app = try await makeStoredApp(store)
        let operational = EventCatalogue.operationalEvents.map(\.name)
        let failing = Endpoint.v3_20(appID: app.id, events: ["card.funded"] + operational)
        let listener = Endpoint.v3_20(appID: app.id, events: operational)
        for endpoint in [failing, listener] {
            _ = try await store.createEndpoint(endpoint, secret: change([1]), limit: 20)
        }
        if operatorWebhook {
            try await store.insertApp(makeApp(OperatorWebhook.appID))
            var webhook = Endpoint.v3_20(appID: OperatorWebhook.appID, events: operational)
            webhook.id = OperatorWebhook.endpointID
            _ = try await store.createEndpoint(webhook, secret: change([2]), limit: 1)
        }
        try await body(store, NoticeFixture(app: app, failing: failing.id, listener: listener.id))
    }
}

/// Publishes one `card.funded` event of `app`, claims its delivery to `endpoint` and records it delivered.
func succeedOnce(_ store: any Store, app: App, to endpoint: EndpointID, at now: UnixMillis) async throws {
    _ = try await store.publish(
        NewEvent(appID: app.id, eventID: Identifiers.eventID(), event: "card.funded", data: Array("{}".utf8)),
        attemptsAllowed: 1,
        now: now,
        lease: nil
    )
    let claim = try #require(try await store.claim(10, at: now).first { $0.endpointID == endpoint })
    #expect(try await store.completeAttempt(.attempt(on: claim, at: now)))
}
