import Foundation
import HookdCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// After a regeneration, neither the old nor the new secret is anywhere in the clear but the one response.
@Suite struct SecretLeakTests {
    @Test func noSecretInTheDatabaseFilesTheLogsOrLaterResponses() async throws {
        let harness = try TestHarness()
        defer { harness.removeFiles() }
        let (app, key) = try await harness.createApp()
        let (old, new) = try await harness.withClient { client in
            let token = try await client.token(for: app, key: key)
            let old = try #require(
                try await client.configure("https://hooks.example.com/a", token: token).data["webhookSecret"] as? String
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
