import Foundation
import HookdCore
import HookdServerTestSupport
import HookdTestSupport
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import HookdServer

/// After a regeneration, neither the old nor the new secret is anywhere in the clear but the one response.
@Suite struct SecretLeakTests {
    @Test func noSecretInTheDatabaseFilesTheLogsOrLaterResponses() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            let (old, new) = try await harness.withClient { client in
                let token = try await client.token(for: app, key: key)
                let old = try #require(
                    try await client.configure("https://hooks.example.com/a", token: token).data["webhookSecret"]
                        as? String
                )
                let new = try #require(
                    try await client.json("/api/v3/webhooks/secret/regenerate", method: .post, token: token).data[
                        "webhookSecret"
                    ] as? String
                )
                return (old, new)
            }
            let later = try await harness.withLiveServer { client in
                let token = try await client.token(for: app, key: key)
                var later: [String] = []
                for (path, method) in [
                    ("/api/v3/webhooks", HTTPRequest.Method.get), ("/api/v3/webhooks/events", .get), ("/health", .get),
                    ("/api/v3/webhooks/secret/regenerate", .get), ("/api/v3/auth/refresh", .post),
                ] {
                    later.append(try await client.json(path, method: method, token: token).raw)
                }
                later.append(String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
                later.append(try await client.configure("https://hooks.example.com/b", token: token).raw)
                return later
            }

            let files = try FileManager.default.contentsOfDirectory(atPath: harness.directory.path)
            #expect(files.contains("hookd.sqlite"))
            var databaseBytes = Data()
            for file in files {
                databaseBytes.append(try Data(contentsOf: harness.directory.appendingPathComponent(file)))
            }
            let logs = harness.logs.text
            #expect(!logs.isEmpty, "the logs were captured")
            for secret in [old, new] {
                let random = String(secret.dropFirst("whsec_".count))
                #expect(databaseBytes.range(of: Data(random.utf8)) == nil, "a secret is in the database files")
                #expect(!logs.contains(random), "a secret is in the logs")
                for response in later {
                    #expect(!response.contains(random), "a secret is in a later response")
                }
            }
            #expect(!logs.contains(key.value), "the app's secret key is in the logs")
        }
    }
}

/// An endpoint's custom header values (a receiver's `Authorization`, say) are sealed at rest, redacted as
/// credentials in every answer, and sent as they are; attempts keep their headers redacted and their signatures as
/// scheme and timestamp only (issue 21, item 5).
@Suite struct HeaderSecretTests {
    /// Every byte a store holds: SQLite's files, or every row of every table of the PostgreSQL schema as text.
    typealias StoredBytes = @Sendable () async throws -> Data

    /// Runs `body` with a harness for deliveries on `backend` and a way to read everything its store holds.
    static func withHarness(
        on backend: Backend,
        _ body: @Sendable (TestHarness, StoredBytes) async throws -> Void
    ) async throws {
        switch backend {
        case .sqlite:
            try await TestHarness.withDeliveries(on: .sqlite) { harness in
                try await body(harness) {
                    var bytes = Data()
                    for file in try FileManager.default.contentsOfDirectory(atPath: harness.directory.path) {
                        bytes.append(try Data(contentsOf: harness.directory.appendingPathComponent(file)))
                    }
                    return bytes
                }
            }
        case .postgres:
            try await PostgresTestDatabase.withStores { stores, schema in
                try await TestHarness.withDeliveries(sharing: stores[0]) { harness in
                    try await body(harness) {
                        try await schema.withConnection { connection in
                            var tables: [String] = []
                            for try await name in try await connection.query(
                                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
                                logger: PostgresTestDatabase.logger
                            ).decode(String.self) {
                                tables.append(name)
                            }
                            var bytes = Data()
                            for table in tables {
                                // A name the database just listed; every row as text (bytea as hex).
                                let rows = try await connection.query(
                                    PostgresQuery(unsafeSQL: "SELECT t::text FROM \"\(table)\" t"),
                                    logger: PostgresTestDatabase.logger
                                )
                                for try await row in rows.decode(String.self) { bytes.append(Data(row.utf8)) }
                            }
                            return bytes
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: Backend.all)
    func headerValuesAreSealedRedactedInAnswersAndSentAsGiven(backend: Backend) async throws {
        let unique = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let authorization = "Bearer rcv-\(unique)"
        let apiKey = "key-\(unique)"
        let team = "payments-\(unique)"
        let receiver = TestReceiver(script: [.status(500)])
        try await receiver.withRunning { running in
            try await Self.withHarness(on: backend) { harness, storedBytes in
                try await harness.withLiveServer { client in
                    let tenant = try await V3_20Endpoints.tenant(harness, client: client)
                    let hidden = ["Authorization": "[redacted]", "X-Api-Key": "[redacted]"]
                    var answers: [String] = []

                    let created = try await client.json(
                        "/api/v3.20/webhooks",
                        method: .post,
                        token: tenant.token,
                        body: #"""
                            {"url":"\#(running.url)","events":["CARD_FUNDED"],
                             "headers":{"Authorization":"\#(authorization)","X-Api-Key":"\#(apiKey)","X-Team":"\#(team)"}}
                            """#
                    )
                    #expect(created.status == .created, "\(created.raw)")
                    #expect(created.data["headers"] as? [String: String] == hidden.merging(["X-Team": team]) { $1 })
                    let id = try #require(created.data["webhookId"] as? String)
                    answers.append(created.raw)
                    let shown = try await V3_20Endpoints.show(client, token: tenant.token, id: id)
                    #expect(shown.data["headers"] as? [String: String] == hidden.merging(["X-Team": team]) { $1 })
                    answers.append(shown.raw)
                    answers.append(try await client.json("/api/v3.20/webhooks", method: .get, token: tenant.token).raw)

                    // Sending back what an answer showed changes what changed and keeps the credentials; the marker for
                    // a name with nothing stored is refused.
                    let patched = try await client.json(
                        "/api/v3.20/webhooks/\(id)",
                        method: .patch,
                        token: tenant.token,
                        body: #"{"headers":{"Authorization":"[redacted]","x-api-key":"[redacted]","X-Team":"ledger"}}"#
                    )
                    #expect(patched.status == .ok, "\(patched.raw)")
                    #expect(
                        patched.data["headers"] as? [String: String]
                            == ["Authorization": "[redacted]", "x-api-key": "[redacted]", "X-Team": "ledger"]
                    )
                    answers.append(patched.raw)
                    let refused = try await client.json(
                        "/api/v3.20/webhooks/\(id)",
                        method: .patch,
                        token: tenant.token,
                        body: #"{"headers":{"Authorization":"[redacted]","X-Other-Token":"[redacted]"}}"#
                    )
                    #expect(refused.errorCode == "VALIDATION_ERROR", "\(refused.raw)")
                    #expect(refused.status == .unprocessableContent)
                    let createdWithMarker = try await client.json(
                        "/api/v3.20/webhooks",
                        method: .post,
                        token: tenant.token,
                        body: #"{"url":"\#(running.url)","events":["CARD_FUNDED"],"headers":{"X-Key":"[redacted]"}}"#
                    )
                    #expect(createdWithMarker.errorCode == "VALIDATION_ERROR", "\(createdWithMarker.raw)")

                    // The portal's JSON is the same answer.
                    let browser = try await PortalVisitor.signIn(
                        client,
                        harness,
                        body: PortalVisitor.appBody(tenant.app)
                    )
                    let portal = try await client.json(
                        "/api/v3.20/webhooks/\(id)",
                        method: .get,
                        headers: browser.headers()
                    )
                    #expect(portal.status == .ok, "\(portal.raw)")
                    #expect(portal.data["headers"] as? [String: String] == patched.data["headers"] as? [String: String])
                    answers.append(portal.raw)

                    // The receiver gets the real values; the failed attempt keeps them redacted, and its signatures as
                    // scheme and timestamp.
                    let published = try await harness.publish(appID: tenant.app.id, client: client)
                    #expect(published.status == .accepted, "\(published.raw)")
                    #expect(try await receiver.waitFor(count: 1))
                    let request = try #require(receiver.received.first)
                    #expect(request.header("Authorization") == authorization)
                    #expect(request.header("X-Api-Key") == apiKey)
                    #expect(request.header("X-Team") == "ledger")
                    let fyatuSignature = try #require(request.header("X-Fyatu-Signature"))
                    let standardSignature = try #require(request.header("webhook-signature"))
                    let timestamp = try #require(request.header("X-Fyatu-Timestamp"))

                    // The delivery's first attempt, as the portal reads it, once it is logged.
                    @Sendable func firstAttempt() async throws -> (raw: String, attempt: [String: Any])? {
                        let log = try await client.json(
                            "/api/v3.20/webhooks/\(id)/deliveries",
                            method: .get,
                            token: tenant.token
                        )
                        guard let deliveryID = (log.object["data"] as? [[String: Any]])?.first?["deliveryId"] as? String
                        else { return nil }
                        let detail = try await client.json(
                            "/api/v3/webhooks/deliveries/\(deliveryID)",
                            method: .get,
                            headers: browser.headers()
                        )
                        guard let attempt = (detail.data["attemptHistory"] as? [[String: Any]])?.first else {
                            return nil
                        }
                        return (detail.raw, attempt)
                    }
                    #expect(try await harness.eventually { try await firstAttempt() != nil })
                    let (detail, attempt) = try #require(try await firstAttempt())
                    answers.append(detail)
                    let sent = try #require(attempt["requestHeaders"] as? [String: String])
                    #expect(sent["Authorization"] == "[redacted]")
                    #expect(sent["x-api-key"] == "[redacted]", "named as the change named it")
                    #expect(sent["X-Team"] == "ledger")
                    #expect(sent["X-Fyatu-Signature"] == "t=\(timestamp),v1=[redacted]")
                    #expect(sent["webhook-signature"] == "v1,[redacted]")
                    #expect(sent["X-Fyatu-Timestamp"] == timestamp)

                    let macs = [
                        String(try #require(fyatuSignature.split(separator: "v1=").last)),
                        String(try #require(standardSignature.split(separator: ",").last)),
                    ]
                    for answer in answers {
                        for value in [authorization, apiKey] + macs {
                            #expect(!answer.contains(value), "an answer shows \(value)")
                        }
                    }
                    // The attempt log keeps non-credential values as sent (`X-Team: ledger`), to be shown; the endpoint's
                    // own values are only ever sealed.
                    let stored = try await storedBytes()
                    #expect(!stored.isEmpty)
                    for value in [authorization, apiKey, team] + macs {
                        #expect(stored.range(of: Data(value.utf8)) == nil, "the database holds \(value) in the clear")
                    }
                }
            }
        }
    }
}
