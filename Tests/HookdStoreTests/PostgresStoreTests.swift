import Foundation
import HookdCore
import HookdStore
import HookdTestSupport
import PostgresNIO
import Testing

func publish(
    _ store: any DeliveryQueue,
    appID: AppID,
    event: String = "card.created",
    now: UnixMillis,
    lease: (id: LeaseID, until: UnixMillis)? = nil
) async throws -> DeliveryID {
    let event = NewEvent(
        appID: appID,
        eventID: Identifiers.eventID(),
        event: event,
        data: Array(#"{"n":\#(now.rawValue)}"#.utf8),
        isTest: lease != nil
    )
    return try await store.publish(event, attemptsAllowed: 3, now: now, lease: lease).deliveryID
}

func makeConfiguredApp(_ store: any AppStore & WebhookConfigurationStore) async throws -> App {
    let app = makeApp()
    try await store.insertApp(app)
    _ = try await store.setWebhookURL(
        appID: app.id,
        url: "https://a.example/",
        initialSecret: change([1]),
        now: UnixSeconds(1)
    )
    return app
}

@Suite(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
struct PostgresStoreTests {
    /// Every migration this binary knows, in order.
    static let migrations = [
        "0001_apps_webhooks_tokens", "0002_events_deliveries", "0003_fair_delivery_queues", "0004_hardening",
        "0005_master_key_fence", "0006_lease_expiry_index", "0007_leases_counted_per_app", "0008_endpoints",
        "0009_portal", "0010_lease_releases_appended",
        "0011_attempts_checked_by_their_statement", "0012_leases_counted_by_their_statements",
        "0013_cancelled_deliveries_allowed", "0014_apps_take_turns",
        "0015_dispatchers", "0016_secrets_out_of_the_clear", "0017_write_probe",
    ]

    @Test func migratingAgainAppliesNothing() async throws {
        try await PostgresTestDatabase.withStores(migrate: false) { stores, _ in
            #expect(try await stores[0].migrate() == Self.migrations)
            #expect(try await stores[0].migrate() == [])
            try await stores[0].insertApp(makeApp())
            #expect(try await stores[0].apps().count == 1)
        }
    }

    @Test func storesMigratingAtOnceApplyEachMigrationOnce() async throws {
        try await PostgresTestDatabase.withStores(count: 4, migrate: false) { stores, schema in
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for store in stores {
                    group.addTask {
                        do {
                            return try await store.migrate()
                        } catch {
                            // PSQLError hides its details from `description`; a failure here should say what it was.
                            Issue.record("migrating failed: \(String(reflecting: error))")
                            throw error
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(applied.sorted() == Self.migrations)
            let recorded = try await schema.withConnection { connection in
                try await connection.query(
                    "SELECT id FROM hookd_migrations ORDER BY id",
                    logger: PostgresTestDatabase.logger
                )
                .decode(String.self).reduce(into: [String]()) { $0.append($1) }
            }
            #expect(recorded == Self.migrations)
        }
    }

    @Test func aDatabaseFromANewerHookdIsRefusedAndLeftAsItIs() async throws {
        try await PostgresTestDatabase.withStores(migrate: false) { stores, schema in
            let logger = PostgresTestDatabase.logger
            try await schema.withConnection { connection in
                try await connection.query("CREATE TABLE hookd_migrations (id text PRIMARY KEY)", logger: logger)
                    .consumeAll()
                try await connection.query(
                    "INSERT INTO hookd_migrations (id) VALUES ('9999_from_the_future')",
                    logger: logger
                ).consumeAll()
            }
            await #expect {
                try await stores[0].migrate()
            } throws: { error in
                error is StoreError && "\(error)".contains("newer") && "\(error)".contains("9999_from_the_future")
            }
            let tables = try await schema.withConnection { connection in
                try await connection.query(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
                    logger: logger
                ).decode(Int.self).reduce(0, +)
            }
            #expect(tables == 1, "only hookd_migrations: nothing of this binary's schema was applied")
        }
    }

    @Test func aRefusedLoginNamesTheServerAndTheReason() async throws {
        var configuration = try PostgresStore.Configuration(url: try #require(PostgresTestDatabase.url))
        configuration.database = "hookd_no_such_database"
        let store = try PostgresStore(configuration: configuration, logger: PostgresTestDatabase.logger)
        await #expect {
            try await store.migrate()
        } throws: { error in
            let text = "\(error)"
            return text.contains("\(configuration.host):\(configuration.port)") && text.contains("refused")
                && text.contains("does not exist")
        }
    }

    @Test func requiringTLSFromAServerWithoutItIsRefused() async throws {
        var configuration = try PostgresStore.Configuration(url: try #require(PostgresTestDatabase.url))
        configuration.tls = .require
        let store = try PostgresStore(configuration: configuration, logger: PostgresTestDatabase.logger)
        let supportsTLS = try await PostgresTestDatabase.withConnection { connection in
            try await connection.query("SHOW ssl", logger: PostgresTestDatabase.logger)
                .decode(String.self).reduce(into: "") { $0 += $1 } == "on"
        }
        try #require(!supportsTLS, "the test server offers TLS")
        await #expect {
            try await store.migrate()
        } throws: { error in
            "\(error)".contains("does not offer TLS")
        }
    }

    @Test func claimersSkipDeliveriesAnotherClaimerHasLocked() async throws {
        try await PostgresTestDatabase.withStores { stores, schema in
            let store = stores[0]
            let app = try await makeConfiguredApp(store)
            let first = try await publish(store, appID: app.id, now: UnixMillis(1_000))
            let second = try await publish(store, appID: app.id, now: UnixMillis(1_001))
            let third = try await publish(store, appID: app.id, now: UnixMillis(1_002))

            let logger = PostgresTestDatabase.logger
            let claimed = try await schema.withConnection { other in
                // Another process is in the middle of claiming the oldest delivery.
                try await other.query("BEGIN", logger: logger).consumeAll()
                try await other.query("SELECT id FROM deliveries WHERE id = \(first) FOR UPDATE", logger: logger)
                    .consumeAll()
                // Waiting for that lock would fail on the store's lock_timeout; skipping it returns the others now.
                let claimed = try await store.claimDueDeliveries(
                    limit: 10,
                    caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                    now: UnixMillis(2_000),
                    leaseUntil: UnixMillis(9_000)
                )
                try await other.query("ROLLBACK", logger: logger).consumeAll()
                return claimed
            }
            #expect(claimed.map(\.id) == [second, third])

            let rest = try await store.claimDueDeliveries(
                limit: 10,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: UnixMillis(2_000),
                leaseUntil: UnixMillis(9_000)
            )
            #expect(rest.map(\.id) == [first])
        }
    }

    @Test func concurrentClaimersFromTwoProcessesNeverShareADelivery() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let app = try await makeConfiguredApp(stores[0])
            var published: [DeliveryID] = []
            for index in 0..<60 {
                published.append(
                    try await publish(stores[index % 2], appID: app.id, now: UnixMillis(1_000) + .milliseconds(index))
                )
            }
            let claims = try await withThrowingTaskGroup(of: [ClaimedDelivery].self) { group in
                for claimer in 0..<8 {
                    let store = stores[claimer % 2]
                    group.addTask { try await Self.claimUntilEmpty(store, limit: 3) { $0 } }
                }
                return try await group.reduce(into: [ClaimedDelivery]()) { $0 += $1 }
            }
            #expect(claims.count == published.count, "every delivery claimed exactly once")
            #expect(Set(claims.map(\.id)) == Set(published))
            for claim in claims {
                #expect(
                    try await stores[1].completeAttempt(FairClaimTests.success(claim, at: UnixMillis(5_000))),
                    "each claim holds its delivery's lease"
                )
            }
        }
    }

    /// Claims from `store`, `limit` at a time (due by 5 s, leased until 60 s, no per-endpoint limit in the way), until
    /// a claim comes back empty; returns what `take` makes of each batch, together.
    static func claimUntilEmpty<Item: Sendable>(
        _ store: any DeliveryQueue,
        limit: Int,
        take: ([ClaimedDelivery]) async throws -> [Item]
    ) async throws -> [Item] {
        var taken: [Item] = []
        while true {
            let batch = try await store.claimDueDeliveries(
                limit: limit,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: UnixMillis(5_000),
                leaseUntil: UnixMillis(60_000)
            )
            if batch.isEmpty { return taken }
            taken += try await take(batch)
        }
    }

    /// The dispatcher's pool at its smallest (`dispatch_pool_size=1`): publishes, claims and records made all at
    /// once take turns on its one connection, and every delivery is still claimed once and recorded.
    @Test func withOneDispatchConnectionPublishesClaimsAndRecordsTakeTurns() async throws {
        let (store, cleanup) = try await PostgresTestDatabase.makeEmptyStore { $0.dispatchConnections = 1 }
        defer { cleanup() }
        let app = try await makeConfiguredApp(store)
        let published = try await withThrowingTaskGroup(of: DeliveryID.self) { group in
            for index in 0..<30 {
                group.addTask { try await publish(store, appID: app.id, now: UnixMillis(1_000) + .milliseconds(index)) }
            }
            return try await group.reduce(into: Set<DeliveryID>()) { $0.insert($1) }
        }
        let recorded = try await withThrowingTaskGroup(of: [DeliveryID].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await Self.claimUntilEmpty(store, limit: 5) { batch in
                        let done = try await store.completeAttempts(
                            batch.map { FairClaimTests.success($0, at: UnixMillis(5_000)) }
                        )
                        return zip(batch, done).filter(\.1).map(\.0.id)
                    }
                }
            }
            return try await group.reduce(into: [DeliveryID]()) { $0 += $1 }
        }
        #expect(published.count == 30)
        #expect(recorded.count == 30 && Set(recorded) == published, "each delivery claimed and recorded once")
    }

    /// Claims check the in-flight limit on each endpoint's queue row (`leased`, less the releases appended to
    /// `lease_releases` and not folded yet), kept by the statements that lease and release: it must agree with the leased rows after every
    /// statement that leases or releases.
    @Test func eachAppsLeaseCountFollowsEveryLeaseAndRelease() async throws {
        try await PostgresTestDatabase.withStores { stores, schema in
            let store = stores[0]
            let apps = [try await makeConfiguredApp(store), try await makeConfiguredApp(store)]
            @Sendable func expectCountsAgree(_ step: Comment) async throws {
                let rows = try await schema.withConnection { connection in
                    try await connection.query(
                        """
                        SELECT q.endpoint_id,
                               q.leased - COALESCE((SELECT sum(r.released)::integer FROM lease_releases r
                                                    WHERE r.endpoint_id = q.endpoint_id), 0),
                               (SELECT count(*)::integer FROM deliveries d
                                WHERE d.endpoint_id = q.endpoint_id AND d.lease_id IS NOT NULL)
                        FROM delivery_queues q ORDER BY q.endpoint_id
                        """,
                        logger: PostgresTestDatabase.logger
                    ).collect().map { row in try row.decode((String, Int, Int).self) }
                }
                #expect(!rows.isEmpty, step)
                for (endpointID, counted, actual) in rows {
                    #expect(counted == actual, "\(step): \(endpointID) counts \(counted) leases, holds \(actual)")
                }
            }
            for index in 0..<6 {
                _ = try await publish(store, appID: apps[index % 2].id, now: UnixMillis(1_000) + .milliseconds(index))
            }
            _ = try await publish(
                store,
                appID: apps[1].id,
                now: UnixMillis(1_010),
                lease: (id: "lease-publisher", until: UnixMillis(5_000))
            )
            try await expectCountsAgree("a delivery leased by its publisher")

            let claimed = try await store.claimDueDeliveries(
                limit: 10,
                caps: ClaimCaps(perApp: 2, perEndpoint: 2),
                now: UnixMillis(2_000),
                leaseUntil: UnixMillis(4_000)
            )
            #expect(claimed.filter { $0.appID == apps[0].id }.count == 2, "the first app up to its limit")
            #expect(claimed.filter { $0.appID == apps[1].id }.count == 1, "the second app had one leased already")
            try await expectCountsAgree("claimed")

            _ = try await store.completeAttempt(FairClaimTests.success(claimed[0], at: UnixMillis(2_100)))
            try await expectCountsAgree("one attempt recorded")
            _ = try await store.completeAttempts(
                claimed.dropFirst().map { FairClaimTests.success($0, at: UnixMillis(2_200)) }
            )
            try await expectCountsAgree("a batch of attempts recorded")

            let again = try await store.claimDueDeliveries(
                limit: 10,
                caps: ClaimCaps(perApp: 2, perEndpoint: 2),
                now: UnixMillis(3_000),
                leaseUntil: UnixMillis(4_000)
            )
            #expect(!again.isEmpty)
            try await expectCountsAgree("claimed again")
            // The publisher's lease and the second claim's leases run out, and the claim that finds them re-leases.
            let revived = try await store.claimDueDeliveries(
                limit: 10,
                caps: ClaimCaps(perApp: 2, perEndpoint: 2),
                now: UnixMillis(6_000),
                leaseUntil: UnixMillis(9_000)
            )
            #expect(!revived.isEmpty)
            try await expectCountsAgree("expired leases released and claimed again")

            let endpoint = try await EndpointHealthTests.endpoint(store, app: apps[0])
            _ = try await publish(store, appID: apps[0].id, event: "card.funded", now: UnixMillis(6_100))
            let toEndpoint = try await store.claimDueDeliveries(
                limit: 10,
                caps: ClaimCaps(perApp: 5, perEndpoint: 5),
                now: UnixMillis(6_200),
                leaseUntil: UnixMillis(9_000)
            )
            #expect(toEndpoint.contains { $0.endpointID == endpoint.id }, "a delivery to the new endpoint leased")
            #expect(try await store.deleteEndpoint(appID: apps[0].id, id: endpoint.id, now: UnixSeconds(7)))
            try await expectCountsAgree("an endpoint deleted with a delivery leased")

            try await store.releaseAllLeases()
            try await expectCountsAgree("every lease released")
        }
    }

    /// An attempt's record appends its release instead of updating the endpoint's queue row, so it never waits for
    /// a claimer holding that row; the next claim folds the release in and finds exactly the room it freed.
    @Test func anAttemptsRecordNeverWaitsForAClaimerHoldingItsQueueRow() async throws {
        try await PostgresTestDatabase.withStores { stores, schema in
            let store = stores[0]
            let app = try await makeConfiguredApp(store)
            for index in 0..<3 {
                _ = try await publish(store, appID: app.id, now: UnixMillis(1_000) + .milliseconds(index))
            }
            let claimed = try await store.claimDueDeliveries(
                limit: 10,
                caps: ClaimCaps(perApp: 2, perEndpoint: 2),
                now: UnixMillis(2_000),
                leaseUntil: UnixMillis(60_000)
            )
            #expect(claimed.count == 2, "up to the limit")
            let recorded = try await schema.withConnection { connection in
                try await connection.query("BEGIN", logger: PostgresTestDatabase.logger).consumeAll()
                // What a claimer holds while it leases: every queue row, until it commits.
                try await connection.query(
                    "SELECT endpoint_id FROM delivery_queues FOR UPDATE",
                    logger: PostgresTestDatabase.logger
                ).consumeAll()
                // The store's session gives up waiting for a lock after its lock timeout: this must not wait.
                let recorded = try await store.completeAttempt(
                    FairClaimTests.success(claimed[0], at: UnixMillis(2_100))
                )
                try await connection.query("ROLLBACK", logger: PostgresTestDatabase.logger).consumeAll()
                return recorded
            }
            #expect(recorded, "recorded while a claimer held the queue row")
            let next = try await store.claimDueDeliveries(
                limit: 10,
                caps: ClaimCaps(perApp: 2, perEndpoint: 2),
                now: UnixMillis(2_200),
                leaseUntil: UnixMillis(60_000)
            )
            #expect(next.count == 1, "the one slot the record freed, and no more")
            #expect(
                try await store.claimDueDeliveries(
                    limit: 10,
                    caps: ClaimCaps(perApp: 2, perEndpoint: 2),
                    now: UnixMillis(2_300),
                    leaseUntil: UnixMillis(60_000)
                ).isEmpty,
                "the limit holds once the release is folded"
            )
        }
    }

    @Test func anExpiredLeaseIsClaimedAgainAndTheOldLeaseCanNoLongerComplete() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let app = try await makeConfiguredApp(stores[0])
            let id = try await publish(stores[0], appID: app.id, now: UnixMillis(1_000))
            let dead = try #require(
                try await stores[0].claimDueDeliveries(
                    limit: 10,
                    caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                    now: UnixMillis(1_000),
                    leaseUntil: UnixMillis(2_000)
                ).first
            )
            #expect(
                try await stores[1].claimDueDeliveries(
                    limit: 10,
                    caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                    now: UnixMillis(1_999),
                    leaseUntil: UnixMillis(3_000)
                )
                .isEmpty
            )
            #expect(
                try await stores[1].nextDueTime(caps: ClaimCaps(perApp: 100, perEndpoint: 100)) == UnixMillis(2_000),
                "due again when the lease runs out"
            )

            let revived = try #require(
                try await stores[1].claimDueDeliveries(
                    limit: 10,
                    caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                    now: UnixMillis(2_000),
                    leaseUntil: UnixMillis(3_000)
                ).first
            )
            #expect(revived.id == id)
            #expect(revived.leaseID != dead.leaseID)

            func completion(_ lease: LeaseID) -> AttemptCompletion {
                AttemptCompletion(
                    deliveryID: id,
                    leaseID: lease,
                    attempt: DeliveryAttempt(
                        number: 1,
                        startedAt: UnixMillis(2_000),
                        latency: .milliseconds(1),
                        httpStatus: 500,
                        error: nil,
                        responseBody: Array("no".utf8)
                    ),
                    status: .pending,
                    nextAttemptAt: UnixMillis(7_000),
                    secretVersion: 1
                )
            }
            #expect(try await stores[0].completeAttempt(completion(dead.leaseID)) == false)
            #expect(try await stores[0].delivery(appID: app.id, id: id)?.attempts.isEmpty == true)
            #expect(try await stores[1].completeAttempt(completion(revived.leaseID)))
            let detail = try #require(try await stores[0].delivery(appID: app.id, id: id))
            #expect(detail.attempts.map(\.httpStatus) == [500])
            #expect(detail.summary.nextAttemptAt == UnixMillis(7_000))
        }
    }

    @Test func publishingTheSameEventFromManyProcessesCreatesOneDelivery() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let app = try await makeConfiguredApp(stores[0])
            let event = NewEvent(appID: app.id, eventID: Identifiers.eventID(), event: "card.created", data: [1])
            let results = try await withThrowingTaskGroup(of: (deliveryID: DeliveryID, created: Bool).self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await stores[index % 2].publish(
                            event,
                            attemptsAllowed: 3,
                            now: UnixMillis(1_000),
                            lease: nil
                        )
                    }
                }
                return try await group.reduce(into: [(deliveryID: DeliveryID, created: Bool)]()) { $0.append($1) }
            }
            #expect(results.filter(\.created).count == 1)
            #expect(Set(results.map(\.deliveryID)).count == 1)
            #expect(
                try await stores[0].deliveries(appID: app.id, status: nil, event: nil, limit: 10, offset: 0).total == 1
            )
        }
    }

    @Test func theRateLimiterGrantsExactlyTheLimitToConcurrentCallers() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        try await stores[index % 2].acquireRateLimit(
                            key: "k",
                            limit: 10,
                            period: .seconds(60),
                            now: UnixMillis(1_000_000)
                        ) == nil
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(granted == 10)
        }
    }

    @Test func concurrentSecretReplacementsEachGetTheirOwnVersion() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let app = try await makeConfiguredApp(stores[0])
            let versions = try await withThrowingTaskGroup(of: Int64?.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await stores[index % 2].replaceWebhookSecret(
                            appID: app.id,
                            change: change([UInt8(index + 10)]),
                            now: UnixSeconds(5),
                            idempotencyKey: nil
                        ).endpoint?.secretVersion
                    }
                }
                return try await group.reduce(into: [Int64?]()) { $0.append($1) }
            }
            #expect(Set(versions.compactMap { $0 }) == Set(2...11))
            let audit = try await stores[0].secretAuditRecords(appID: app.id)
            #expect(audit.map(\.secretVersion) == Array(1...11))
            let final = try await stores[1].webhookEndpoint(appID: app.id)
            #expect(final?.secretVersion == 11)
            let lastFingerprint = audit.last?.fingerprint
            #expect(final.map { "fp_\($0.sealedSecret?.first ?? 0)" } == lastFingerprint)
        }
    }
}

/// How the delivery queue behaves, on every backend: the Postgres store must match the SQLite reference.
@Suite struct DeliveryQueueTests {
    @Test(arguments: StoreFactory.all)
    func theLogListsNewestFirstFiltersAndKeepsTenantsApart(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = try await makeConfiguredApp(store)
        let other = try await makeConfiguredApp(store)
        let first = try await publish(store, appID: app.id, event: "card.created", now: UnixMillis(1_000))
        var sameMillisecond: [DeliveryID] = []
        for _ in 0..<4 {
            sameMillisecond.append(
                try await publish(store, appID: app.id, event: "card.funded", now: UnixMillis(1_000))
            )
        }
        let last = try await publish(store, appID: app.id, event: "card.created", now: UnixMillis(2_000))
        let foreign = try await publish(store, appID: other.id, now: UnixMillis(1_500))

        let all = try await store.deliveries(appID: app.id, status: nil, event: nil, limit: 10, offset: 0)
        #expect(all.items.map(\.id) == [last] + sameMillisecond.reversed() + [first], "ties: last written first")
        #expect(all.total == 6)
        let page = try await store.deliveries(appID: app.id, status: nil, event: nil, limit: 1, offset: 1)
        #expect(page.items.map(\.id) == [sameMillisecond[3]])
        #expect(page.total == 6)
        let beyond = try await store.deliveries(appID: app.id, status: nil, event: nil, limit: 5, offset: 9)
        #expect(beyond.items.isEmpty && beyond.total == 6)
        let created = try await store.deliveries(
            appID: app.id,
            status: .pending,
            event: "card.created",
            limit: 10,
            offset: 0
        )
        #expect(created.items.map(\.id) == [last, first])
        #expect(
            try await store.deliveries(appID: app.id, status: .succeeded, event: nil, limit: 10, offset: 0).total == 0
        )

        let summary = try #require(all.items.first)
        #expect(summary.status == .pending)
        #expect(summary.nextAttemptAt == UnixMillis(2_000))
        #expect(summary.attempts == 0 && summary.attemptsAllowed == 3 && summary.isTest == false)
        #expect(summary.createdAt == UnixMillis(2_000) && summary.event == "card.created")

        #expect(try await store.delivery(appID: other.id, id: first) == nil)
        #expect(
            try await store.requeueDelivery(appID: other.id, id: first, now: UnixMillis(5), maximumManualRetries: 10)
                == .notFound
        )
        #expect(
            try await store.deliveries(appID: other.id, status: nil, event: nil, limit: 10, offset: 0).items.map(\.id)
                == [foreign]
        )
        let detail = try #require(try await store.delivery(appID: app.id, id: first))
        #expect(detail.data == Array(#"{"n":1000}"#.utf8))
        #expect(detail.attempts.isEmpty)
    }

    @Test(arguments: StoreFactory.all)
    func aDeliveryGoesThroughClaimRetryAndSuccess(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = try await makeConfiguredApp(store)
        let event = NewEvent(
            appID: app.id,
            eventID: Identifiers.eventID(),
            event: "card.created",
            data: Array("{}".utf8)
        )
        let published = try await store.publish(event, attemptsAllowed: 2, now: UnixMillis(1_000), lease: nil)
        #expect(published.created)
        let again = try await store.publish(event, attemptsAllowed: 2, now: UnixMillis(1_100), lease: nil)
        #expect(again.deliveryID == published.deliveryID && again.created == false)
        #expect(try await store.nextDueTime(caps: ClaimCaps(perApp: 100, perEndpoint: 100)) == UnixMillis(1_000))
        #expect(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: UnixMillis(999),
                leaseUntil: UnixMillis(5_000)
            ).isEmpty
        )

        let claim = try #require(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: UnixMillis(1_000),
                leaseUntil: UnixMillis(5_000)
            ).first
        )
        #expect(claim.id == published.deliveryID)
        #expect(claim.data == Array("{}".utf8))
        #expect(claim.url == "https://a.example/")
        #expect(claim.sealedSecret == [1] && claim.secretVersion == 1)
        #expect(claim.attempts == 0 && claim.attemptsAllowed == 2)
        #expect(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: UnixMillis(1_000),
                leaseUntil: UnixMillis(5_000)
            ).isEmpty
        )

        func attempt(_ number: Int, status: Int?, error: String?) -> DeliveryAttempt {
            DeliveryAttempt(
                number: number,
                startedAt: UnixMillis(1_000 * Int64(number)),
                latency: .milliseconds(12),
                httpStatus: status,
                error: error,
                responseBody: Array("body\(number)".utf8)
            )
        }
        let wrongLease = AttemptCompletion(
            deliveryID: claim.id,
            leaseID: "not-the-lease",
            attempt: attempt(1, status: 503, error: nil),
            status: .pending,
            nextAttemptAt: UnixMillis(3_000),
            secretVersion: 1
        )
        #expect(try await store.completeAttempt(wrongLease) == false)
        var retry = wrongLease
        retry.leaseID = claim.leaseID
        #expect(try await store.completeAttempt(retry))
        #expect(try await store.completeAttempt(retry) == false, "the lease ends with the attempt")
        #expect(try await store.nextDueTime(caps: ClaimCaps(perApp: 100, perEndpoint: 100)) == UnixMillis(3_000))

        let second = try #require(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: UnixMillis(3_000),
                leaseUntil: UnixMillis(9_000)
            ).first
        )
        #expect(second.attempts == 1)
        let failed = AttemptCompletion(
            deliveryID: claim.id,
            leaseID: second.leaseID,
            attempt: attempt(2, status: nil, error: "timeout"),
            status: .failed,
            nextAttemptAt: nil,
            secretVersion: 1
        )
        #expect(try await store.completeAttempt(failed))
        #expect(try await store.nextDueTime(caps: ClaimCaps(perApp: 100, perEndpoint: 100)) == nil)

        let detail = try #require(try await store.delivery(appID: app.id, id: claim.id))
        #expect(detail.summary.status == .failed)
        #expect(detail.summary.nextAttemptAt == nil)
        #expect(detail.summary.attempts == 2)
        #expect(detail.summary.lastAttemptAt == UnixMillis(2_000))
        #expect(detail.summary.lastHTTPStatus == nil)
        #expect(detail.attempts == [attempt(1, status: 503, error: nil), attempt(2, status: nil, error: "timeout")])

        guard
            case .requeued(let requeued) = try await store.requeueDelivery(
                appID: app.id,
                id: claim.id,
                now: UnixMillis(10_000),
                maximumManualRetries: 10
            )
        else {
            Issue.record("not requeued")
            return
        }
        #expect(requeued.status == .pending && requeued.nextAttemptAt == UnixMillis(10_000))
        #expect(requeued.attemptsAllowed == 3, "one more attempt than made")
        let third = try #require(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: UnixMillis(10_000),
                leaseUntil: UnixMillis(20_000)
            ).first
        )
        var success = failed
        success.leaseID = third.leaseID
        success.attempt = attempt(3, status: 200, error: nil)
        success.status = .succeeded
        #expect(try await store.completeAttempt(success))
        let done = try #require(try await store.delivery(appID: app.id, id: claim.id))
        #expect(done.summary.status == .succeeded && done.summary.lastHTTPStatus == 200)
        #expect(done.attempts.map(\.number) == [1, 2, 3])
    }

    @Test(arguments: StoreFactory.all)
    func testDeliveriesStayLeasedAndAppsWithoutAURLWait(factory: StoreFactory) async throws {
        let (store, cleanup) = try await factory.make()
        defer { cleanup() }
        let app = try await makeConfiguredApp(store)
        let test = try await publish(
            store,
            appID: app.id,
            now: UnixMillis(1_000),
            lease: (id: "lease-of-the-test", until: UnixMillis(4_000))
        )
        #expect(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: UnixMillis(1_000),
                leaseUntil: UnixMillis(9_000)
            ).isEmpty
        )
        let held = try #require(try await store.claimedDelivery(id: test, leaseID: "lease-of-the-test"))
        #expect(held.id == test && held.url == "https://a.example/")
        #expect(try await store.claimedDelivery(id: test, leaseID: "another") == nil)
        #expect(try await store.delivery(appID: app.id, id: test)?.summary.isTest == true)

        _ = try await store.setWebhookURL(appID: app.id, url: nil, initialSecret: change([2]), now: UnixSeconds(2))
        let waiting = try await publish(store, appID: app.id, now: UnixMillis(1_500))
        #expect(
            try await store.nextDueTime(caps: ClaimCaps(perApp: 100, perEndpoint: 100)) == nil,
            "no URL, nothing is due"
        )
        #expect(
            try await store.claimDueDeliveries(
                limit: 5,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: UnixMillis(3_000),
                leaseUntil: UnixMillis(9_000)
            ).isEmpty
        )

        _ = try await store.setWebhookURL(
            appID: app.id,
            url: "https://b.example/",
            initialSecret: change([3]),
            now: UnixSeconds(3)
        )
        #expect(
            try await store.nextDueTime(caps: ClaimCaps(perApp: 100, perEndpoint: 100)) == UnixMillis(1_500),
            "the test's lease runs until 4,000"
        )
        try await store.releaseAllLeases()
        #expect(try await store.nextDueTime(caps: ClaimCaps(perApp: 100, perEndpoint: 100)) == UnixMillis(1_000))
        let claims = try await store.claimDueDeliveries(
            limit: 5,
            caps: ClaimCaps(perApp: 100, perEndpoint: 100),
            now: UnixMillis(5_000),
            leaseUntil: UnixMillis(9_000)
        )
        #expect(claims.map(\.id) == [test, waiting], "oldest due first")
        #expect(claims.allSatisfy { $0.url == "https://b.example/" && $0.sealedSecret == [1] })
    }
}

/// Reading the database URL; needs no server.
@Suite struct PostgresConfigurationTests {
    @Test func aFullURLIsRead() throws {
        let configuration = try PostgresStore.Configuration(
            url: "postgresql://hook%40d:p%3Ass%2Fw@db.internal:6543/hookd_prod?sslmode=require"
                + "&options=-c%20search_path%3Dtenant&application_name=node-1&connect_timeout=3"
                + "&pool_size=7&dispatch_pool_size=3&query_timeout=4"
        )
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "hook@d")
        #expect(configuration.password == "p:ss/w")
        #expect(configuration.database == "hookd_prod")
        #expect(configuration.tls == .require)
        #expect(configuration.startupOptions == "-c search_path=tenant")
        #expect(configuration.applicationName == "node-1")
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.maximumConnections == 7)
        #expect(configuration.dispatchConnections == 3)
        #expect(configuration.queryTimeout == .seconds(4))
    }

    @Test func defaultsFollowLibpq() throws {
        let configuration = try PostgresStore.Configuration(url: "postgres://hookd@127.0.0.1/")
        #expect(configuration.port == 5432)
        #expect(configuration.password == nil)
        #expect(configuration.database == nil)
        #expect(configuration.tls == .prefer)
        #expect(configuration.maximumConnections == 20)
        #expect(configuration.dispatchConnections == 4)
        #expect(try PostgresStore.Configuration(url: "postgres://u@[::1]:5433/d?sslmode=disable").host == "::1")
    }

    @Test(arguments: [
        "mysql://u:secretpw@h/d",
        "postgres://:secretpw@h/d",
        "postgres://u:secretpw@/d",
        "postgres://u:secretpw@h/d?sslmode=sometimes",
        "postgres://u:secretpw@h/d?pool=9",
        "postgres://u:secretpw@h/d?pool_size=0",
        "postgres://u:secretpw@h/d?dispatch_pool_size=0",
        "postgres://u:secretpw@h/d?dispatch_pool_size=101",
        "postgres://u:secretpw@h/d?query_timeout=soon",
        "postgres://u:secretpw@h/d/more",
        "not a url at all secretpw",
    ])
    func aBadURLIsRefusedWithoutRepeatingThePassword(url: String) {
        #expect {
            _ = try PostgresStore.Configuration(url: url)
        } throws: { error in
            let text = "\(error)"
            return error is StoreError.PostgresConnectionError && text.contains("PostgreSQL URL")
                && !text.contains("secretpw")
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
    func aStatementThatWaitsPastTheQueryTimeoutIsReportedAsUnavailableAndThePoolRecovers() async throws {
        try await PostgresTestDatabase.withStores { stores, schema in
            let app = try await makeConfiguredApp(stores[0])
            var configuration = schema.configuration
            configuration.queryTimeout = .seconds(1)
            let store = try PostgresStore(configuration: configuration, logger: PostgresTestDatabase.logger)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await store.run() }
                defer { group.cancelAll() }
                try await schema.withConnection { connection in
                    let logger = PostgresTestDatabase.logger
                    try await connection.query("BEGIN", logger: logger).consumeAll()
                    try await connection.query("LOCK TABLE apps IN ACCESS EXCLUSIVE MODE", logger: logger)
                        .consumeAll()
                    // The server cancels the statement at the query timeout (SQLSTATE 57014, rolled back); on a
                    // server too busy to say so within the 2 s hookd adds, hookd gives up on it itself. Either way
                    // the caller is told the database is unavailable, not left waiting on the lock.
                    await #expect {
                        _ = try await store.app(id: app.id)
                    } throws: { error in
                        let text = "\(error)"
                        return (error as? StoreError)?.isUnavailable == true
                            && (text.contains("57014") || text.contains("did not answer within 3000 ms"))
                    }
                    try await connection.query("ROLLBACK", logger: logger).consumeAll()
                }
                #expect(try await store.app(id: app.id)?.id == app.id, "the next call is served")
            }
        }
    }

    @Test func anUnreachableServerIsNamedInTheError() async throws {
        let port = try await PostgresTestDatabase.closedPort()
        let store = try PostgresStore(
            url: "postgres://hookd:do-not-print@127.0.0.1:\(port)/hookd?sslmode=disable",
            logger: PostgresTestDatabase.logger
        )
        await #expect {
            try await store.migrate()
        } throws: { error in
            let text = "\(error)"
            return text.contains("cannot reach the PostgreSQL server at 127.0.0.1:\(port)")
                && text.contains("connection refused") && !text.contains("do-not-print")
        }
    }
}
