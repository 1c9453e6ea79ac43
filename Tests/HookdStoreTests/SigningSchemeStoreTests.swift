import HookdCore
import HookdTestSupport
import Testing

@testable import HookdStore

/// An endpoint's signing scheme and its public keys' token (SPEC §15) are kept, and the token finds the endpoint
/// without its app, on every backend.
@Suite struct SigningSchemeStoreTests {
    @Test(arguments: StoreBackend.all)
    func anEd25519EndpointIsFoundByItsToken(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            let hmac = try await makeEndpoint(store, app: app)
            #expect(try await store.endpoint(appID: app.id, id: hmac.id)?.signingScheme == .hmac, "the default")
            #expect(try await store.endpoint(appID: app.id, id: hmac.id)?.publicKeysToken == nil)

            var ed25519 = Endpoint.v3_20(appID: app.id)
            ed25519.signingScheme = .ed25519
            ed25519.publicKeysToken = "jwks_0123456789abcdefghijklmnopqrstuv"
            #expect(try await store.createEndpoint(ed25519, secret: change([2]), limit: 20))
            let stored = try #require(try await store.endpoint(appID: app.id, id: ed25519.id))
            #expect(stored.signingScheme == .ed25519)
            #expect(stored.publicKeysToken == ed25519.publicKeysToken)
            #expect(
                try await store.endpoint(publicKeysToken: "jwks_0123456789abcdefghijklmnopqrstuv")?.id == ed25519.id
            )
            #expect(try await store.endpoint(publicKeysToken: "jwks_0123456789abcdefghijklmnopqrstuw") == nil)
            let listed = try await store.endpoints(appID: app.id, limit: 10, offset: 0).items
            #expect(listed.map(\.signingScheme) == [.hmac, .ed25519])

            #expect(try await store.deleteEndpoint(appID: app.id, id: ed25519.id, now: UnixSeconds(2)))
            #expect(try await store.endpoint(publicKeysToken: "jwks_0123456789abcdefghijklmnopqrstuv") == nil)
        }
    }
}
