import Foundation
import GRDB
import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// Makes an empty store of one backend. Every backend must pass the same contract.
struct StoreFactory: Sendable, CustomStringConvertible {
    let description: String
    let make: @Sendable () async throws -> (store: any Store, cleanup: @Sendable () -> Void)

    static let sqlite = StoreFactory(description: "SQLite") {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hookd-store-\(UUID().uuidString).sqlite"
        ).path
        let store = try SQLiteStore(path: path)
        return (
            store,
            { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        )
    }

    /// A migrated store in a fresh schema of the database named by `HOOKD_TEST_POSTGRES_URL`, dropped by `cleanup`.
    static let postgres = StoreFactory(description: "PostgreSQL") {
        try await PostgresTestDatabase.makeEmptyStore()
    }

    static var all: [StoreFactory] { PostgresTestDatabase.isConfigured ? [.sqlite, .postgres] : [.sqlite] }

    /// Runs `body` with an empty store of this backend, removed afterwards whatever `body` does.
    func with<Result>(_ body: (any Store) async throws -> Result) async throws -> Result {
        let (store, cleanup) = try await make()
        defer { cleanup() }
        return try await body(store)
    }
}

func makeApp(_ id: AppID = Identifiers.appID(), status: AppStatus = .active) -> App {
    App(
        id: id,
        businessID: Identifiers.businessID(),
        name: "contract",
        type: .issuing,
        status: status,
        scopes: Scope.allCases,
        secretKeyDigest: AppSecretKey.generate().digest,
        createdAt: UnixSeconds(1_700_000_000)
    )
}

/// An eight-byte master key identifier made of `byte`.
func keyIdentifier(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 8) }

/// A stand-in for a sealed value: the format byte, the key's identifier, then `payload`.
func sealed(under identifier: [UInt8], _ payload: some Sequence<UInt8>) -> [UInt8] { [1] + identifier + payload }

func change(_ sealed: [UInt8], request: RequestID = "req_000000000000000000000001") -> SealedSecretChange {
    SealedSecretChange(
        sealedSecret: sealed,
        fingerprint: "fp_\(sealed.first ?? 0)",
        requestID: request,
        clientAddress: "127.0.0.1"
    )
}

@Suite struct StoreContractTests {
    @Test(arguments: StoreFactory.all)
    func appsAreStoredReadListedAndUpdated(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = makeApp()
        try await store.insertApp(app)
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
            try await store.updateAppStatus(id: "NOSUCHAPP0000000", status: .active, retiringTokensBefore: nil) == nil
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

    @Test(arguments: StoreFactory.all)
    func theFirstURLStoresTheInitialSecretOnce(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = makeApp()
        try await store.insertApp(app)
        #expect(try await store.webhookEndpoint(appID: app.id) == nil)

        let disabledFirst = try await store.setWebhookURL(
            appID: app.id,
            url: nil,
            initialSecret: change([9]),
            now: UnixSeconds(10)
        )
        #expect(disabledFirst.createdSecret == false)
        #expect(disabledFirst.endpoint.sealedSecret == nil)

        let first = try await store.setWebhookURL(
            appID: app.id,
            url: "https://a.example/",
            initialSecret: change([1]),
            now: UnixSeconds(20)
        )
        #expect(first.createdSecret)
        #expect(first.endpoint.sealedSecret == [1])
        #expect(first.endpoint.secretVersion == 1)
        #expect(first.endpoint.createdAt == UnixSeconds(10))
        #expect(first.endpoint.updatedAt == UnixSeconds(20))

        let second = try await store.setWebhookURL(
            appID: app.id,
            url: "https://b.example/",
            initialSecret: change([2]),
            now: UnixSeconds(30)
        )
        #expect(second.createdSecret == false)
        #expect(second.endpoint.sealedSecret == [1])
        #expect(second.endpoint.url == "https://b.example/")

        let disabled = try await store.setWebhookURL(
            appID: app.id,
            url: nil,
            initialSecret: change([3]),
            now: UnixSeconds(40)
        )
        #expect(disabled.endpoint.url == nil)
        #expect(disabled.endpoint.sealedSecret == [1])
        #expect(try await store.secretAuditRecords(appID: app.id).map(\.action) == [.created])
    }

    @Test(arguments: StoreFactory.all)
    func replacingTheSecretNeedsAURLBumpsTheVersionAndAudits(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = makeApp()
        try await store.insertApp(app)
        #expect(
            try await store.replaceWebhookSecret(
                appID: app.id,
                change: change([5]),
                now: UnixSeconds(1),
                idempotencyKey: nil
            )
            .endpoint == nil
        )
        _ = try await store.setWebhookURL(
            appID: app.id,
            url: "https://a.example/",
            initialSecret: change([1]),
            now: UnixSeconds(1)
        )
        let replaced = try #require(
            try await store.replaceWebhookSecret(
                appID: app.id,
                change: change([7], request: "req_x"),
                now: UnixSeconds(50),
                idempotencyKey: nil
            ).endpoint
        )
        #expect(replaced.sealedSecret == [7])
        #expect(replaced.secretVersion == 2)
        #expect(replaced.updatedAt == UnixSeconds(50))
        let audit = try await store.secretAuditRecords(appID: app.id)
        #expect(audit.map(\.action) == [.created, .regenerated])
        #expect(audit.last?.requestID == "req_x")
        #expect(audit.last?.clientAddress == "127.0.0.1")
        #expect(audit.last?.secretVersion == 2)

        _ = try await store.setWebhookURL(appID: app.id, url: nil, initialSecret: change([1]), now: UnixSeconds(60))
        #expect(
            try await store.replaceWebhookSecret(
                appID: app.id,
                change: change([8]),
                now: UnixSeconds(70),
                idempotencyKey: nil
            )
            .endpoint == nil
        )
        #expect(try await store.webhookEndpoint(appID: app.id)?.sealedSecret == [7])
    }

    @Test(arguments: StoreFactory.all)
    func tenantsNeverSeeEachOthersRows(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let first = makeApp()
        let second = makeApp()
        try await store.insertApp(first)
        try await store.insertApp(second)
        _ = try await store.setWebhookURL(
            appID: first.id,
            url: "https://a.example/",
            initialSecret: change([1]),
            now: UnixSeconds(1)
        )
        #expect(try await store.webhookEndpoint(appID: second.id) == nil)
        #expect(
            try await store.replaceWebhookSecret(
                appID: second.id,
                change: change([2]),
                now: UnixSeconds(2),
                idempotencyKey: nil
            )
            .endpoint == nil
        )
        #expect(try await store.secretAuditRecords(appID: second.id).isEmpty)
        #expect(try await store.webhookEndpoint(appID: first.id)?.sealedSecret == [1])
    }

    @Test(arguments: StoreFactory.all)
    func theRateLimiterAllowsTheLimitPerPeriodAndSaysHowLongToWait(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let start = UnixMillis(1_000_000)
        for _ in 0..<10 {
            #expect(
                try await store.acquireRateLimit(key: "k", limit: 10, period: .seconds(60), now: start) == nil
            )
        }
        let wait = try #require(
            try await store.acquireRateLimit(key: "k", limit: 10, period: .seconds(60), now: start)
        )
        #expect(wait == .seconds(6), "one unit comes back every period/limit")
        #expect(
            try await store.acquireRateLimit(key: "other", limit: 10, period: .seconds(60), now: start) == nil
        )
        #expect(
            try await store.acquireRateLimit(
                key: "k",
                limit: 10,
                period: .seconds(60),
                now: start + .milliseconds(5_999)
            ) != nil
        )
        #expect(
            try await store.acquireRateLimit(
                key: "k",
                limit: 10,
                period: .seconds(60),
                now: start + .milliseconds(6_000)
            ) == nil
        )
        #expect(
            try await store.acquireRateLimit(
                key: "k",
                limit: 10,
                period: .seconds(60),
                now: start + .milliseconds(6_000)
            ) != nil
        )
        for _ in 0..<10 {
            #expect(
                try await store.acquireRateLimit(
                    key: "k",
                    limit: 10,
                    period: .seconds(60),
                    now: start + .milliseconds(200_000)
                )
                    == nil
            )
        }
    }

    @Test(arguments: StoreFactory.all)
    func revokedTokensAreRememberedUntilTheirEnd(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        #expect(try await store.revokeToken(id: "jwt_1", until: UnixSeconds(100)), "revoked by this call")
        #expect(try await store.revokeToken(id: "jwt_1", until: UnixSeconds(100)) == false, "revoked already")
        #expect(try await store.isTokenRevoked(id: "jwt_1"))
        #expect(try await store.isTokenRevoked(id: "jwt_2") == false)
        try await store.purgeExpired(now: UnixMillis(100_999), idempotencyKeysBefore: UnixSeconds(0))
        #expect(try await store.isTokenRevoked(id: "jwt_1"), "kept through its last second")
        try await store.purgeExpired(now: UnixMillis(101_000), idempotencyKeysBefore: UnixSeconds(0))
        #expect(try await store.isTokenRevoked(id: "jwt_1") == false)
    }

    @Test(arguments: StoreFactory.all)
    func instantsComeBackInTheUnitTheyWereWrittenIn(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let now = UnixMillis(1_768_473_000_999)
        let app = makeApp()
        try await store.insertApp(app)
        let configured = try await store.setWebhookURL(
            appID: app.id,
            url: "https://a.example/",
            initialSecret: change([1]),
            now: now.unixSeconds
        )
        #expect(configured.endpoint.createdAt == UnixSeconds(1_768_473_000))
        #expect(try await store.secretAuditRecords(appID: app.id).first?.at == UnixSeconds(1_768_473_000))
        let id = try await publish(store, appID: app.id, now: now)
        let summary = try #require(try await store.delivery(appID: app.id, id: id)?.summary)
        #expect(summary.createdAt == now && summary.nextAttemptAt == now)
        #expect(try await store.nextDueTime(caps: ClaimCaps(perApp: 1, perEndpoint: 1)) == now)
        let claims = try await store.claimDueDeliveries(
            limit: 1,
            caps: ClaimCaps(perApp: 1, perEndpoint: 1),
            now: now,
            leaseUntil: now + .seconds(30)
        )
        #expect(claims.map(\.id) == [id])
        #expect(
            try await store.nextDueTime(caps: ClaimCaps(perApp: 1, perEndpoint: 1)) == now + .seconds(30),
            "the lease's end, to the millisecond"
        )
    }

    @Test(arguments: StoreFactory.all)
    func serverSecretsAreCreatedOnceEvenUnderConcurrency(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let values = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for index in 0..<20 {
                group.addTask { try await store.serverSecret(name: "s") { [UInt8(index)] } }
            }
            return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
        }
        #expect(Set(values).count == 1)
        #expect(try await store.serverSecret(name: "s") { [255] } == values[0])
    }

    @Test(arguments: StoreFactory.all)
    func resealingRewritesEveryValueWithItsPurposeUnderTheNewFence(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let (old, new) = (keyIdentifier(1), keyIdentifier(2))
        #expect(try await store.sealingKeyIdentifier(settingIfAbsent: old) == old)
        let app = makeApp()
        try await store.insertApp(app)
        let first = sealed(under: old, [1])
        _ = try await store.setWebhookURL(
            appID: app.id,
            url: "https://a.example/",
            initialSecret: change(first),
            now: UnixSeconds(1)
        )
        _ = try await store.serverSecret(name: "token-signing-key") { sealed(under: old, [2]) }
        let regeneration = IdempotencyKey(key: "k", notBefore: UnixSeconds(0))
        _ = try await store.replaceWebhookSecret(
            appID: app.id,
            change: change(sealed(under: old, [3])),
            now: UnixSeconds(2),
            idempotencyKey: regeneration
        )

        let count = try await store.resealAll(under: new) { value, purpose in
            sealed(under: new, Array(value.dropFirst(9)) + Array(purpose.utf8.prefix(3)))
        }
        #expect(count == 3, "the webhook secret, the server secret and the regeneration's kept answer")
        #expect(try await store.sealingKeyIdentifier(settingIfAbsent: old) == new, "the fence moved")
        #expect(try await store.webhookEndpoint(appID: app.id)?.sealedSecret == sealed(under: new, [3] + "web".utf8))
        #expect(
            try await store.serverSecret(name: "token-signing-key") { sealed(under: new, [9]) }
                == sealed(under: new, [2] + "ser".utf8)
        )
    }

    @Test(arguments: StoreFactory.all)
    func theFenceRefusesAValueSealedUnderAnotherKey(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let (inForce, outdated) = (keyIdentifier(1), keyIdentifier(2))
        #expect(try await store.sealingKeyIdentifier(settingIfAbsent: inForce) == inForce)
        #expect(try await store.sealingKeyIdentifier(settingIfAbsent: outdated) == inForce, "set once")
        let app = makeApp()
        try await store.insertApp(app)
        let refused = { (error: any Error) in (error as? StoreError)?.isOutdatedMasterKey == true }
        await #expect(
            performing: {
                _ = try await store.setWebhookURL(
                    appID: app.id,
                    url: "https://a.example/",
                    initialSecret: change(sealed(under: outdated, [1])),
                    now: UnixSeconds(1)
                )
            },
            throws: refused
        )
        #expect(try await store.webhookEndpoint(appID: app.id) == nil, "nothing was stored")
        await #expect(
            performing: {
                _ = try await store.serverSecret(name: "s") { sealed(under: outdated, [2]) }
            },
            throws: refused
        )

        let accepted = sealed(under: inForce, [1])
        _ = try await store.setWebhookURL(
            appID: app.id,
            url: "https://a.example/",
            initialSecret: change(accepted),
            now: UnixSeconds(1)
        )
        await #expect(
            performing: {
                _ = try await store.replaceWebhookSecret(
                    appID: app.id,
                    change: change(sealed(under: outdated, [3])),
                    now: UnixSeconds(2),
                    idempotencyKey: nil
                )
            },
            throws: refused
        )
        #expect(try await store.webhookEndpoint(appID: app.id)?.sealedSecret == accepted, "the secret in force stays")
    }

    @Test(arguments: StoreFactory.all)
    func aFailedResealChangesNothing(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
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

@Suite struct SQLiteStoreTests {
    @Test func aDatabaseFromANewerHookdIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hookd-newer-\(UUID().uuidString).sqlite"
        ).path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        _ = try SQLiteStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')")
        }
        #expect {
            _ = try SQLiteStore(path: path)
        } throws: { error in
            "\(error)".contains("newer") && "\(error)".contains("9999_from_the_future")
        }
    }

    @Test func theDatabaseRunsInWALMode() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hookd-wal-\(UUID().uuidString).sqlite"
        ).path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        _ = try SQLiteStore(path: path)
        let mode = try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }
}

extension SecretReplacement {
    /// The configuration after the write, when this call replaced the secret.
    var endpoint: WebhookEndpoint? {
        if case .replaced(let endpoint) = self { endpoint } else { nil }
    }
}
