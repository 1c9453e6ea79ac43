import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// A token that should stop working stops, and stays stopped: refresh retires what it replaces, a revocation lasts
/// as long as the refresh grace, and rotating the key or suspending the app retires every token issued before.
@Suite struct TokenRetirementTests {
    @Test func aRefreshRetiresTheTokenItReplacesAndOnlyOneRefreshOfATokenWins() async throws {
        try await TestHarness.withSignedIn { _, client, app, key, token in
            let refreshed = try await client.json("/api/v3/auth/refresh", method: .post, token: token)
            #expect(refreshed.status == .ok)
            let replayed = try await client.json("/api/v3/auth/refresh", method: .post, token: token)
            #expect(replayed.errorCode == "AUTH_TOKEN_INVALID", "a replayed old token fails")
            #expect(try await client.json("/api/v3/webhooks", method: .get, token: token).status == .unauthorized)

            let contested = try await client.token(for: app, key: key)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await client.json("/api/v3/auth/refresh", method: .post, token: contested).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
        }
    }

    @Test func aRevokedTokenCannotBeRefreshedEvenAfterItExpiredAndRetentionRan() async throws {
        try await TestHarness.withSignedIn { harness, client, _, _, token in
            #expect(try await client.json("/api/v3/auth/revoke", method: .post, token: token).status == .ok)
            // Past the token's expiry, inside its refresh grace, after the retention job forgot what had ended.
            harness.clock.advance(by: 86_400 + 100)
            try await harness.store.purgeExpired(now: harness.clock.unixMillis, idempotencyKeysBefore: UnixSeconds(0))
            let refreshed = try await client.json("/api/v3/auth/refresh", method: .post, token: token)
            #expect(refreshed.errorCode == "AUTH_TOKEN_INVALID", "\(refreshed.raw)")
        }
    }

    @Test func rotatingTheKeyRetiresEveryTokenIssuedBeforeAndANewOneWorksAtOnce() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withClient { client in
                let old = try await client.token(for: app, key: key)
                let newKey = try #require(
                    try await harness.administration.rotateKey(appID: app.id)
                )
                for path in ["/api/v3/webhooks", "/api/v3/webhooks/events"] {
                    let refused = try await client.json(path, method: .get, token: old)
                    #expect(refused.errorCode == "AUTH_TOKEN_INVALID", "\(path): \(refused.raw)")
                }
                #expect(
                    try await client.json("/api/v3/auth/refresh", method: .post, token: old).status == .unauthorized
                )
                // In the same second as the rotation.
                let fresh = try await client.token(for: app, key: newKey)
                #expect(try await client.json("/api/v3/webhooks", method: .get, token: fresh).status == .ok)
            }
        }
    }

    @Test func suspendingRetiresTokensForGoodEvenWhenTheAppIsActivatedAgain() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            let administration = harness.administration
            try await harness.withClient { client in
                let old = try await client.token(for: app, key: key)
                _ = try await administration.setStatus(appID: app.id, .suspended)
                #expect(
                    try await client.json("/api/v3/webhooks", method: .get, token: old).errorCode == "AUTH_APP_INACTIVE"
                )
                harness.clock.advance(by: 5)
                _ = try await administration.setStatus(appID: app.id, .active)
                #expect(
                    try await client.json("/api/v3/webhooks", method: .get, token: old).errorCode
                        == "AUTH_TOKEN_INVALID"
                )
                let fresh = try await client.token(for: app, key: key)
                #expect(try await client.json("/api/v3/webhooks", method: .get, token: fresh).status == .ok)
            }
        }
    }
}
