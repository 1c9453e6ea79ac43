import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// Server secrets, the master key fence and re-sealing, on every backend.
@Suite struct SealedValueStoreTests {
    @Test(arguments: StoreBackend.all)
    func serverSecretsAreCreatedOnceEvenUnderConcurrency(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let values = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for index in 0..<20 {
                    group.addTask { try await store.serverSecret(name: "s") { [UInt8(index)] } }
                }
                return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
            }
            #expect(Set(values).count == 1)
            #expect(try await store.serverSecret(name: "s") { [255] } == values[0])
        }
    }

    @Test(arguments: StoreBackend.all)
    func resealingRewritesEveryValueWithItsPurposeUnderTheNewFence(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (old, new) = (keyIdentifier(1), keyIdentifier(2))
            #expect(try await store.sealingKeyIdentifier(settingIfAbsent: old) == old)
            let app = try await makeStoredApp(store)
            let first = sealed(under: old, [1])
            try await store.setURL(appID: app.id, secret: change(first), at: UnixSeconds(1))
            _ = try await store.serverSecret(name: "token-signing-key") { sealed(under: old, [2]) }
            let regeneration = IdempotencyKey(key: "k", notBefore: UnixSeconds(0))
            _ = try await store.replaceSecret(
                appID: app.id,
                with: change(sealed(under: old, [3])),
                at: UnixSeconds(2),
                key: regeneration
            )

            let count = try await store.resealAll(under: new) { value, purpose in
                sealed(under: new, Array(value.dropFirst(9)) + Array(purpose.utf8.prefix(3)))
            }
            #expect(count == 3, "the webhook secret, the server secret and the regeneration's kept answer")
            #expect(try await store.sealingKeyIdentifier(settingIfAbsent: old) == new, "the fence moved")
            #expect(
                try await store.webhookConfiguration(appID: app.id)?.sealedSecret
                    == sealed(under: new, [3] + "web".utf8)
            )
            #expect(
                try await store.serverSecret(name: "token-signing-key") { sealed(under: new, [9]) }
                    == sealed(under: new, [2] + "ser".utf8)
            )
        }
    }

    @Test(arguments: StoreBackend.all)
    func theFenceRefusesAValueSealedUnderAnotherKey(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (inForce, outdated) = (keyIdentifier(1), keyIdentifier(2))
            #expect(try await store.sealingKeyIdentifier(settingIfAbsent: inForce) == inForce)
            #expect(try await store.sealingKeyIdentifier(settingIfAbsent: outdated) == inForce, "set once")
            let app = try await makeStoredApp(store)
            let refused = { (error: any Error) in (error as? StoreError)?.isOutdatedMasterKey == true }
            await #expect(
                performing: {
                    try await store.setURL(
                        appID: app.id,
                        secret: change(sealed(under: outdated, [1])),
                        at: UnixSeconds(1)
                    )
                },
                throws: refused
            )
            #expect(try await store.webhookConfiguration(appID: app.id) == nil, "nothing was stored")
            await #expect(
                performing: {
                    _ = try await store.serverSecret(name: "s") { sealed(under: outdated, [2]) }
                },
                throws: refused
            )

            let accepted = sealed(under: inForce, [1])
            try await store.setURL(appID: app.id, secret: change(accepted), at: UnixSeconds(1))
            await #expect(
                performing: {
                    _ = try await store.replaceSecret(
                        appID: app.id,
                        with: change(sealed(under: outdated, [3])),
                        at: UnixSeconds(2)
                    )
                },
                throws: refused
            )
            #expect(
                try await store.webhookConfiguration(appID: app.id)?.sealedSecret == accepted,
                "the secret in force stays"
            )
        }
    }

    @Test(arguments: StoreBackend.all)
    func aFailedResealChangesNothing(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            _ = try await store.serverSecret(name: "a") { [1] }
            _ = try await store.serverSecret(name: "b") { [2] }
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                _ = try await store.resealAll(under: keyIdentifier(1)) { value, _ in
                    if value == [2] { throw Boom() }
                    return sealed(under: keyIdentifier(1), [0])
                }
            }
            #expect(try await store.serverSecret(name: "a") { [9] } == [1])
        }
    }
}
