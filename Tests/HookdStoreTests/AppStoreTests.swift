import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// Apps and the revoked tokens of their clients, on every backend.
@Suite struct AppStoreTests {
    @Test(arguments: StoreBackend.all)
    func revokedTokensAreRememberedUntilTheirEnd(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            #expect(try await store.revokeToken(id: "jwt_1", until: UnixSeconds(100)), "revoked by this call")
            #expect(try await store.revokeToken(id: "jwt_1", until: UnixSeconds(100)) == false, "revoked already")
            #expect(try await store.isTokenRevoked(id: "jwt_1"))
            #expect(try await store.isTokenRevoked(id: "jwt_2") == false)
            try await store.purgeExpired(now: UnixMillis(100_999), idempotencyKeysBefore: UnixSeconds(0))
            #expect(try await store.isTokenRevoked(id: "jwt_1"), "kept through its last second")
            try await store.purgeExpired(now: UnixMillis(101_000), idempotencyKeysBefore: UnixSeconds(0))
            #expect(try await store.isTokenRevoked(id: "jwt_1") == false)
        }
    }

    @Test(arguments: StoreBackend.all)
    func appsAreStoredReadListedAndUpdated(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            #expect(try await store.app(id: app.id) == app)
            #expect(try await store.app(id: "NOSUCHAPP0000000") == nil)
            #expect(try await store.apps().map(\.id) == [app.id])

            let suspended = try await store.updateAppStatus(
                id: app.id,
                status: .suspended,
                retiringTokensBefore: UnixSeconds(500)
            )
            #expect(suspended?.status == .suspended)
            #expect(suspended?.tokensNotBefore == UnixSeconds(500))
            let activated = try await store.updateAppStatus(id: app.id, status: .active, retiringTokensBefore: nil)
            #expect(
                activated?.status == .active && activated?.tokensNotBefore == UnixSeconds(500),
                "activating retires nothing more"
            )
            #expect(
                try await store.updateAppStatus(id: "NOSUCHAPP0000000", status: .active, retiringTokensBefore: nil)
                    == nil
            )
            let rotated = try await store.updateAppSecretKeyDigest(
                id: app.id,
                digest: [1, 2, 3],
                retiringTokensBefore: UnixSeconds(900)
            )
            #expect(rotated?.secretKeyDigest == [1, 2, 3])
            #expect(rotated?.tokensNotBefore == UnixSeconds(900))
            let earlier = try await store.updateAppSecretKeyDigest(
                id: app.id,
                digest: [4],
                retiringTokensBefore: UnixSeconds(100)
            )
            #expect(earlier?.tokensNotBefore == UnixSeconds(900), "never moved back")
            #expect(try await store.app(id: app.id)?.tokensNotBefore == UnixSeconds(900))
            await #expect(throws: (any Error).self) { try await store.insertApp(app) }
        }
    }
}
