import HookdCore
import HookdStore
import HookdTestSupport
import Testing

/// Retention, idempotency keys and the manual retry limit, on every backend.
@Suite struct RetentionAndIdempotencyTests {
    /// A delivery of `app` published at `createdAt` and finished with `status` (or left pending).
    static func delivery(
        _ store: any DeliveryQueue,
        app: App,
        createdAt: UnixMillis,
        finishing status: DeliveryStatus?
    ) async throws -> DeliveryID {
        let id = try await publish(store, appID: app.id, now: createdAt)
        guard let status else { return id }
        let claims = try await store.claim(100, at: createdAt)
        let claim = try #require(claims.first { $0.id == id })
        let done = AttemptCompletion.attempt(
            on: claim,
            at: createdAt,
            httpStatus: status == .succeeded ? 200 : 500,
            latency: .milliseconds(3),
            responseBody: Array("answer".utf8),
            status: status
        )
        #expect(try await store.completeAttempt(done))
        return id
    }

    @Test(arguments: StoreBackend.all)
    func finishedDeliveriesPastTheRetentionGoWithTheirAttemptsAndEventsPendingOnesStay(
        backend: StoreBackend
    ) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            var old: [DeliveryID] = []
            for index in 0..<5 {
                old.append(
                    try await Self.delivery(
                        store,
                        app: app,
                        createdAt: UnixMillis(1_000) + .milliseconds(index),
                        finishing: index.isMultiple(of: 2) ? .succeeded : .failed
                    )
                )
            }
            let oldPending = try await Self.delivery(store, app: app, createdAt: UnixMillis(1_010), finishing: nil)
            let recent = try await Self.delivery(store, app: app, createdAt: UnixMillis(50_000), finishing: .succeeded)

            #expect(
                try await store.purgeFinishedDeliveries(createdBefore: UnixMillis(10_000), limit: 3) == 3,
                "a batch at most"
            )
            #expect(
                try await store.purgeFinishedDeliveries(createdBefore: UnixMillis(10_000), limit: 3) == 2,
                "fewer: none left"
            )
            #expect(try await store.purgeFinishedDeliveries(createdBefore: UnixMillis(10_000), limit: 3) == 0)
            for id in old {
                #expect(try await store.delivery(appID: app.id, id: id) == nil, "deleted with its attempts")
            }
            #expect(try await store.delivery(appID: app.id, id: oldPending) != nil, "pending: kept whatever its age")
            let kept = try #require(try await store.delivery(appID: app.id, id: recent))
            #expect(kept.attempts.count == 1, "recent: kept with its attempt")
            #expect(try await store.deliveries(appID: app.id, status: nil, event: nil, limit: 10, offset: 0).total == 2)
        }
    }

    @Test(arguments: StoreBackend.all)
    func anIdempotencyKeyKeepsTheFirstRegenerationUntilItExpires(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let key = IdempotencyKey(key: "regen-1", notBefore: UnixSeconds(0))
            let otherKey = IdempotencyKey(key: "regen-2", notBefore: UnixSeconds(0))
            func regenerate(_ secret: UInt8, at seconds: Int64, key: IdempotencyKey) async throws -> SecretReplacement {
                try await store.replaceSecret(appID: app.id, with: change([secret]), at: UnixSeconds(seconds), key: key)
            }

            let first = try await regenerate(7, at: 100, key: key)
            #expect(first.endpoint?.secretVersion == 2)
            let repeated = try await regenerate(8, at: 200, key: key)
            guard case .repeated(let sealed, let at) = repeated else {
                Issue.record("not repeated: \(repeated)")
                return
            }
            #expect(sealed == [7] && at == UnixSeconds(100), "the first call's secret and time")
            #expect(try await store.webhookConfiguration(appID: app.id)?.sealedSecret == [7], "nothing replaced again")
            #expect(try await store.secretAuditRecords(appID: app.id).map(\.action) == [.created, .regenerated])

            let other = try await regenerate(9, at: 300, key: otherKey)
            #expect(other.endpoint?.sealedSecret == [9], "another key is another request")
            let expired = try await regenerate(
                10,
                at: 400,
                key: IdempotencyKey(key: "regen-1", notBefore: UnixSeconds(150))
            )
            #expect(expired.endpoint?.sealedSecret == [10], "a key stored before its window counts as new")
            try await store.purgeExpired(now: UnixMillis(500_000), idempotencyKeysBefore: UnixSeconds(401))
            let afterPurge = try await regenerate(11, at: 500, key: otherKey)
            #expect(afterPurge.endpoint?.sealedSecret == [11], "a purged key is gone")
        }
    }

    @Test(arguments: StoreBackend.all)
    func aRegenerationWithoutAURLSpendsNoKey(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeStoredApp(store)
            let key = IdempotencyKey(key: "early", notBefore: UnixSeconds(0))
            let refused = try await store.replaceSecret(appID: app.id, with: change([5]), at: UnixSeconds(1), key: key)
            guard case .notConfigured = refused else {
                Issue.record("\(refused)")
                return
            }
            try await store.setURL(appID: app.id, secret: change([1]), at: UnixSeconds(2))
            let later = try await store.replaceSecret(appID: app.id, with: change([6]), at: UnixSeconds(3), key: key)
            #expect(later.endpoint?.sealedSecret == [6])
        }
    }

    @Test(arguments: StoreBackend.all)
    func concurrentRegenerationsWithOneKeyReplaceTheSecretOnce(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let key = IdempotencyKey(key: "together", notBefore: UnixSeconds(0))
            let outcomes = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for index in 0..<20 {
                    group.addTask {
                        switch try await store.replaceSecret(
                            appID: app.id,
                            with: change([UInt8(index + 10)]),
                            at: UnixSeconds(50),
                            key: key
                        ) {
                        case .replaced(let endpoint): return endpoint.sealedSecret ?? []
                        case .repeated(let sealed, _): return sealed
                        case .notConfigured: return []
                        }
                    }
                }
                return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
            }
            #expect(Set(outcomes).count == 1, "every caller got the same secret")
            #expect(try await store.webhookConfiguration(appID: app.id)?.sealedSecret == outcomes.first)
            #expect(try await store.webhookConfiguration(appID: app.id)?.secretVersion == 2, "replaced once")
        }
    }

    @Test(arguments: StoreBackend.all)
    func aDeliveryIsRequeuedByHandAtMostTheLimit(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let app = try await makeConfiguredApp(store)
            let id = try await Self.delivery(store, app: app, createdAt: UnixMillis(1_000), finishing: .failed)
            for round in 0..<2 {
                guard
                    case .requeued = try await store.requeueDelivery(
                        appID: app.id,
                        id: id,
                        now: UnixMillis(2_000) + .milliseconds(round),
                        maximumManualRetries: 2
                    )
                else {
                    Issue.record("retry \(round + 1) refused")
                    return
                }
            }
            #expect(
                try await store.requeueDelivery(appID: app.id, id: id, now: UnixMillis(3_000), maximumManualRetries: 2)
                    == .limitReached
            )
            #expect(
                try await store.requeueDelivery(
                    appID: app.id,
                    id: "dlv_none",
                    now: UnixMillis(3_000),
                    maximumManualRetries: 2
                )
                    == .notFound
            )
        }
    }
}
