import HTTPTypes
import HookdCore
import HookdServerTestSupport
import HookdTestSupport
import HummingbirdTesting
import Testing

@testable import HookdServer

/// `--otel-endpoint` end to end: a node exports to a collector on 127.0.0.1 over a real socket, and a published
/// event is one trace under the caller's span: the publish, then each attempt of its delivery (SPEC §14).
@Suite struct OpenTelemetryExportTests {
    /// The caller's trace and span, as its `traceparent` says them.
    static let callerTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpanID = "00f067aa0ba902b7"

    @Test(arguments: Backend.all) func aPublishAndItsAttemptsAreOneTraceUnderTheCallersSpan(
        backend: Backend
    ) async throws {
        let collector = OTLPCollector()
        let receiver = TestReceiver(script: [.status(503)], fallback: .status(200))
        let marker = "payload-marker-\(Identifiers.eventID().rawValue)"
        try await collector.withRunning { base in
            try await TestHarness.withSubscriber(
                on: backend,
                configure: { configuration in Self.export(to: base, &configuration) },
                to: receiver
            ) { harness, client, subscriber in
                let published = try await Self.publishInCallersSpan(
                    appID: subscriber.app.id,
                    data: #"{"note":"\#(marker)"}"#,
                    harness: harness,
                    client: client
                )
                let eventID = try #require(published.data["eventId"] as? String)

                // The first attempt is answered 503; the retry, a minute on, 200.
                #expect(try await harness.waitForAttempts(1, client: client, token: subscriber.token))
                harness.clock.advance(by: 60)
                #expect(try await receiver.waitFor(count: 2))

                let spans = try await collector.spans { spans in
                    spans.contains { $0.name == "hookd.publish" }
                        && spans.filter { $0.name == "hookd.attempt" }.count >= 2
                }
                let publish = try #require(spans.first { $0.name == "hookd.publish" }, "\(spans.map(\.name))")
                #expect(publish.traceID == Self.callerTraceID, "the caller's trace")
                #expect(publish.parentSpanID == Self.callerSpanID, "the caller's span is the parent")
                #expect(publish.attributes["hookd.app.id"] == subscriber.app.id.rawValue)
                #expect(publish.attributes["hookd.event.id"] == eventID)

                let attempts = spans.filter { $0.name == "hookd.attempt" }
                    .sorted {
                        ($0.attributes["hookd.attempt.number"] ?? "") < ($1.attributes["hookd.attempt.number"] ?? "")
                    }
                #expect(attempts.count == 2, "one span per attempt")
                for attempt in attempts {
                    #expect(attempt.traceID == Self.callerTraceID)
                    #expect(attempt.parentSpanID == publish.spanID, "each attempt is a child of the publish")
                    #expect(attempt.attributes["hookd.app.id"] == subscriber.app.id.rawValue)
                    #expect(
                        attempt.attributes["hookd.endpoint.id"]
                            == Identifiers.v3WebhookID(appID: subscriber.app.id).rawValue
                    )
                    #expect(attempt.attributes["hookd.event.name"] == "card.created")
                    #expect(attempt.attributes["hookd.event.id"] == eventID)
                    #expect(attempt.attributes["hookd.attempt.latency_ms"] != nil)
                }
                #expect(attempts.map { $0.attributes["hookd.attempt.number"] } == ["1", "2"])
                #expect(attempts.map { $0.attributes["http.response.status_code"] } == ["503", "200"])
                #expect(attempts.map { $0.attributes["error.type"] } == ["503", nil], "only the failure has a kind")

                // Neither the payload nor a secret, a signature or the operator key is in any span.
                let signatures = receiver.received.compactMap { $0.header("webhook-signature") }
                #expect(signatures.count == 2)
                for span in spans {
                    for secret in [marker, subscriber.secret, harness.operatorKey, subscriber.token] + signatures {
                        #expect(!span.raw.contains(secret), "\(span.name) holds a secret or the payload")
                    }
                }
                // The failed attempt's log line carries the trace id, as `hookd serve`'s do.
                let failureLine = harness.logs.text.split(separator: "\n").first { $0.contains("attempt failed") }
                #expect(failureLine?.contains(Self.callerTraceID) == true, "\(failureLine ?? "no line")")
                // The request metrics go out by OTLP too.
                #expect(try await harness.eventually { collector.metricExports > 0 })
            }
        }
    }

    @Test func anAttemptThatGotNoAnswerSaysWhatKindOfFailureItWas() async throws {
        let collector = OTLPCollector()
        let down = try ClosedPort()
        let port = down.port
        try await collector.withRunning { base in
            try await TestHarness.withDeliveries(
                configure: { configuration in Self.export(to: base, &configuration) }
            ) { harness in
                try await harness.withLiveServer { client in
                    // A receiver that is down: the connection is refused.
                    let subscriber = try await harness.subscribe(client: client, url: "http://127.0.0.1:\(port)/hook")
                    _ = try await harness.publish("card.created", appID: subscriber.app.id, client: client)
                    let spans = try await collector.spans { $0.contains { $0.name == "hookd.attempt" } }
                    let attempt = try #require(spans.first { $0.name == "hookd.attempt" })
                    #expect(attempt.attributes["error.type"] == "connection")
                    #expect(attempt.attributes["http.response.status_code"] == nil, "there was no answer")
                    let publish = try #require(spans.first { $0.name == "hookd.publish" })
                    #expect(publish.parentSpanID.isEmpty, "without a traceparent the publish starts the trace")
                    #expect(attempt.traceID == publish.traceID)
                }
            }
        }
        withExtendedLifetime(down) {}
    }

    /// An API node publishes and a worker node, on the same PostgreSQL database, attempts: each exports to its own
    /// collector, and the worker's attempt span is still the child of the API node's publish span.
    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "needs HOOKD_TEST_POSTGRES_URL"))
    func anAttemptOnAnotherNodeJoinsThePublishersTrace() async throws {
        let (apiCollector, workerCollector) = (OTLPCollector(), OTLPCollector())
        let receiver = TestReceiver()
        try await receiver.withRunning { running in
            try await apiCollector.withRunning { apiBase in
                try await workerCollector.withRunning { workerBase in
                    try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
                        let configure: (inout HookdServerConfiguration) -> Void = { configuration in
                            configuration.role = .api
                            Self.export(to: apiBase, &configuration)
                        }
                        try await TestHarness.withDeliveries(sharing: stores[0], configure: configure) { api in
                            try await api.withWorker(on: stores[1], configure: { Self.export(to: workerBase, &$0) }) {
                                try await api.withLiveServer { client in
                                    let subscriber = try await api.subscribe(client: client, url: running.url)
                                    _ = try await Self.publishInCallersSpan(
                                        appID: subscriber.app.id,
                                        harness: api,
                                        client: client
                                    )
                                    #expect(try await receiver.waitFor(count: 1), "the worker delivers")
                                }
                            }
                        }
                    }
                    let published = try await apiCollector.spans { $0.contains { $0.name == "hookd.publish" } }
                    let attempted = try await workerCollector.spans { $0.contains { $0.name == "hookd.attempt" } }
                    let publish = try #require(published.first { $0.name == "hookd.publish" })
                    let attempt = try #require(attempted.first { $0.name == "hookd.attempt" })
                    #expect(!published.contains { $0.name == "hookd.attempt" }, "the API node attempts nothing")
                    #expect(attempt.traceID == Self.callerTraceID)
                    #expect(attempt.parentSpanID == publish.spanID, "the publish on the other node is the parent")
                }
            }
        }
    }

    /// Off, a caller's `traceparent` is not kept and the event's column stays NULL; on, the event keeps the publish
    /// span's, in the caller's trace.
    @Test(arguments: [false, true]) func theEventKeepsThePublishSpansContextOnlyWithTelemetryOn(on: Bool) async throws {
        try await OTLPCollector().withRunning { base in
            let configure: (inout HookdServerConfiguration) -> Void = { configuration in
                // An API node: no dispatcher claims the delivery before the test reads it back.
                configuration.role = .api
                if on { Self.export(to: base, &configuration) }
            }
            try await TestHarness.withDeliveries(configure: configure) { harness in
                try await Self.checkStoredTraceParent(harness, on: on)
            }
        }
    }

    /// Publishes with the caller's `traceparent` and checks what a claim of the delivery reads back.
    static func checkStoredTraceParent(_ harness: TestHarness, on: Bool) async throws {
        let (app, key) = try await harness.createApp()
        try await harness.withClient { client in
            let token = try await client.token(for: app, key: key)
            _ = try await client.configure("http://127.0.0.1:9/hook", token: token)
            _ = try await publishInCallersSpan(appID: app.id, harness: harness, client: client)
        }
        let claim = try #require(try await harness.store.claim(10, at: harness.clock.unixMillis).first)
        if on {
            let parts = try #require(claim.traceParent?.rawValue.split(separator: "-").map(String.init))
            #expect(parts.count == 4)
            #expect(parts[1] == callerTraceID, "the caller's trace")
            #expect(parts[2] != callerSpanID, "the publish span's own id, not the caller's")
        } else {
            #expect(claim.traceParent == nil, "nothing but a NULL is written")
        }
    }

    /// Publishes a `card.created` with `data` for `appID` as a caller inside its span: with its `traceparent` and
    /// `tracestate`; expects it accepted.
    static func publishInCallersSpan(
        appID: AppID,
        data: String = "{}",
        harness: TestHarness,
        client: any TestClientProtocol
    ) async throws -> JSONResponse {
        var headers = HTTPFields()
        headers[HTTPField.Name("traceparent")!] = "00-\(callerTraceID)-\(callerSpanID)-01"
        headers[HTTPField.Name("tracestate")!] = "vendor=opaque"
        let published = try await client.json(
            "/api/v3/internal/events",
            method: .post,
            token: harness.operatorKey,
            headers: headers,
            body: #"{"appId":"\#(appID)","event":"card.created","data":\#(data)}"#
        )
        #expect(published.status == .accepted, "\(published.raw)")
        return published
    }

    /// Exports to the collector at `base` in JSON, spans and metrics at once.
    static func export(to base: String, _ configuration: inout HookdServerConfiguration) {
        var telemetry = TelemetryConfiguration(endpoint: OTLPEndpoint(base)!)
        telemetry.encoding = .json
        telemetry.spanExportDelay = .milliseconds(50)
        telemetry.metricsInterval = .milliseconds(200)
        configuration.telemetry = telemetry
    }
}
