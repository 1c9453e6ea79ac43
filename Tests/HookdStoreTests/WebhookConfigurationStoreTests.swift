import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// The v3 URL and its secret: set, replaced, audited and kept apart per tenant, on every backend.
@Suite struct WebhookConfigurationStoreTests {
    @Test(arguments: StoreBackend.all)
    func theFirstURLStoresTheInitialSecretOnce(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            #expect(try await store.webhookConfiguration(appID: app.id) == nil)

            let disabledFirst = try await store.setURL(nil, appID: app.id, secret: change([9]), at: UnixSeconds(10))
            #expect(disabledFirst.createdSecret == false)
            #expect(disabledFirst.endpoint.sealedSecret == nil)

            let first = try await store.setURL(appID: app.id, secret: change([1]), at: UnixSeconds(20))
            #expect(first.createdSecret)
            #expect(first.endpoint.sealedSecret == [1])
            #expect(first.endpoint.secretVersion == 1)
            #expect(first.endpoint.createdAt == UnixSeconds(10))
            #expect(first.endpoint.updatedAt == UnixSeconds(20))

            let second = try await store.setURL(
                "https://b.example/",
                appID: app.id,
                secret: change([2]),
                at: UnixSeconds(30)
            )
            #expect(second.createdSecret == false)
            #expect(second.endpoint.sealedSecret == [1])
            #expect(second.endpoint.url == "https://b.example/")

            let disabled = try await store.setURL(nil, appID: app.id, secret: change([3]), at: UnixSeconds(40))
            #expect(disabled.endpoint.url == nil)
            #expect(disabled.endpoint.sealedSecret == [1])
            #expect(try await store.secretAuditRecords(appID: app.id).map(\.action) == [.created])
        }
    }

    @Test(arguments: StoreBackend.all)
    func replacingTheSecretNeedsAURLBumpsTheVersionAndAudits(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            #expect(
                try await store.replaceSecret(appID: app.id, with: change([5]), at: UnixSeconds(1))
                    .endpoint == nil
            )
            try await store.setURL(appID: app.id, secret: change([1]), at: UnixSeconds(1))
            let replaced = try #require(
                try await store.replaceSecret(appID: app.id, with: change([7], request: "req_x"), at: UnixSeconds(50))
                    .endpoint
            )
            #expect(replaced.sealedSecret == [7])
            #expect(replaced.secretVersion == 2)
            #expect(replaced.updatedAt == UnixSeconds(50))
            let audit = try await store.secretAuditRecords(appID: app.id)
            #expect(audit.map(\.action) == [.created, .regenerated])
            #expect(audit.last?.requestID == "req_x")
            #expect(audit.last?.clientAddress == "127.0.0.1")
            #expect(audit.last?.secretVersion == 2)

            try await store.setURL(nil, appID: app.id, secret: change([1]), at: UnixSeconds(60))
            #expect(
                try await store.replaceSecret(appID: app.id, with: change([8]), at: UnixSeconds(70))
                    .endpoint == nil
            )
            #expect(try await store.webhookConfiguration(appID: app.id)?.sealedSecret == [7])
        }
    }

    @Test(arguments: StoreBackend.all)
    func tenantsNeverSeeEachOthersRows(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let first = makeApp()
            let second = makeApp()
            try await store.insertApp(first)
            try await store.insertApp(second)
            try await store.setURL(appID: first.id, secret: change([1]), at: UnixSeconds(1))
            #expect(try await store.webhookConfiguration(appID: second.id) == nil)
            #expect(
                try await store.replaceSecret(appID: second.id, with: change([2]), at: UnixSeconds(2))
                    .endpoint == nil
            )
            #expect(try await store.secretAuditRecords(appID: second.id).isEmpty)
            #expect(try await store.webhookConfiguration(appID: first.id)?.sealedSecret == [1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func instantsComeBackInTheUnitTheyWereWrittenIn(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let now = UnixMillis(1_768_473_000_999)
            let app = try await makeStoredApp(store)
            let configured = try await store.setURL(appID: app.id, secret: change([1]), at: now.unixSeconds)
            #expect(configured.endpoint.createdAt == UnixSeconds(1_768_473_000))
            #expect(try await store.secretAuditRecords(appID: app.id).first?.at == UnixSeconds(1_768_473_000))
            let id = try await publish(store, appID: app.id, now: now)
            let summary = try #require(try await store.delivery(appID: app.id, id: id)?.summary)
            #expect(summary.createdAt == now && summary.nextAttemptAt == now)
            #expect(try await store.nextDueTime(caps: .each(1)) == now)
            let claims = try await store.claim(1, caps: .each(1), at: now, until: now + .seconds(30))
            #expect(claims.map(\.id) == [id])
            #expect(
                try await store.nextDueTime(caps: .each(1)) == now + .seconds(30),
                "the lease's end, to the millisecond"
            )
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
    func concurrentSecretReplacementsEachGetTheirOwnVersion() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let app = try await makeConfiguredApp(stores[0])
            let versions = try await withThrowingTaskGroup(of: Int64?.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await stores[index % 2].replaceSecret(
                            appID: app.id,
                            with: change([UInt8(index + 10)]),
                            at: UnixSeconds(5)
                        ).endpoint?.secretVersion
                    }
                }
                return try await group.reduce(into: [Int64?]()) { $0.append($1) }
            }
            #expect(Set(versions.compactMap { $0 }) == Set(2...11))
            let audit = try await stores[0].secretAuditRecords(appID: app.id)
            #expect(audit.map(\.secretVersion) == Array(1...11))
            let final = try await stores[1].webhookConfiguration(appID: app.id)
            #expect(final?.secretVersion == 11)
            let lastFingerprint = audit.last?.fingerprint
            #expect(final.map { "fp_\($0.sealedSecret?.first ?? 0)" } == lastFingerprint)
        }
    }
}
