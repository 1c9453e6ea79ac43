import Foundation
import GRDB
import HookdCore
import HookdServerTestSupport
import HookdTestSupport
import Logging
import Testing

@testable import HookdServer
@testable import HookdStore

@Suite struct MasterKeyRotationTests {
    /// Opens a runtime on a new data directory and stores one webhook secret and the server secrets.
    static func prepare() async throws -> (HookdRuntime, appID: AppID, secret: String) {
        let directory = DataDirectory(
            path: FileManager.default.temporaryDirectory.appendingPathComponent("hookd-rotate-\(UUID().uuidString)")
                .path
        )
        let runtime = try await HookdRuntime.open(dataDirectory: directory, environment: [:], create: true)
        let (app, _) = try await AppAdministration(store: runtime.store).create(name: "r", type: .issuing)
        let secret = WebhookSecret.generate()
        let purpose = SecretSealer.webhookSecretPurpose(appID: app.id)
        _ = try await runtime.store.setWebhookURL(
            appID: app.id,
            url: "https://hooks.example.com/",
            initialSecret: SealedSecretChange(
                sealedSecret: try runtime.sealer.seal(Array(secret.value.utf8), purpose: purpose),
                fingerprint: secret.fingerprint,
                requestID: "req_test",
                clientAddress: nil
            ),
            now: UnixSeconds(1)
        )
        _ = try await runtime.operatorKey(environment: [:])
        _ = try await ServerSecrets.tokenSigningKey(store: runtime.store, sealer: runtime.sealer)
        return (runtime, app.id, secret.value)
    }

    static func openSecret(_ runtime: HookdRuntime, appID: AppID) async throws -> String {
        let sealed = try #require(try await runtime.store.webhookConfiguration(appID: appID)?.sealedSecret)
        return String(
            decoding: try runtime.sealer.open(sealed, purpose: SecretSealer.webhookSecretPurpose(appID: appID)),
            as: UTF8.self
        )
    }

    @Test func rotationReSealsEverythingUnderANewKeyFile() async throws {
        let (runtime, appID, secret) = try await Self.prepare()
        defer { try? FileManager.default.removeItem(atPath: runtime.dataDirectory.path) }
        let operatorKey = try await runtime.operatorKey(environment: [:])
        let oldKeyFile = try String(contentsOfFile: runtime.dataDirectory.masterKeyPath, encoding: .utf8)

        let outcome = try await MasterKeyRotation.rotate(runtime)
        #expect(outcome.resealed == 4, "the webhook secret, the key check, the token key and the operator key")
        #expect(try String(contentsOfFile: runtime.dataDirectory.masterKeyPath, encoding: .utf8) != oldKeyFile)
        #expect(!FileManager.default.fileExists(atPath: runtime.dataDirectory.nextMasterKeyPath))

        let reopened = try await HookdRuntime.open(
            dataDirectory: runtime.dataDirectory,
            environment: [:],
            create: false
        )
        #expect(try await Self.openSecret(reopened, appID: appID) == secret)
        #expect(try await reopened.operatorKey(environment: [:]) == operatorKey)
        await #expect(throws: SecretSealingError.self) { _ = try await Self.openSecret(runtime, appID: appID) }
    }

    /// An endpoint's custom headers are re-sealed with everything else: after the rotation they open under the new key
    /// alone, bound to their endpoint, and the old key no longer opens them.
    @Test func rotationReSealsEndpointHeaders() async throws {
        let (runtime, appID, _) = try await Self.prepare()
        defer { try? FileManager.default.removeItem(atPath: runtime.dataDirectory.path) }
        let headers = try EndpointHeaders(validating: ["Authorization": "Bearer rotate-me", "X-Team": "payments"])
        let id = Identifiers.webhookID()
        let endpoint = Endpoint(
            id: id,
            appID: appID,
            format: .v3_20,
            url: "https://hooks.example.com/e",
            events: ["card.funded"],
            sealedHeaders: try headers.sealed(by: runtime.sealer, appID: appID, endpointID: id),
            secretPrefix: "whsec_000000",
            sealedSecret: nil,
            createdAt: UnixSeconds(1),
            updatedAt: UnixSeconds(1)
        )
        let secret = try runtime.sealer.seal(
            Array("whsec_x".utf8),
            purpose: SecretSealer.webhookSecretPurpose(appID: appID, endpointID: id)
        )
        let created = try await runtime.store.createEndpoint(
            endpoint,
            secret: SealedSecretChange(
                sealedSecret: secret,
                fingerprint: "fp",
                requestID: "req_test",
                clientAddress: nil
            ),
            limit: 20
        )
        #expect(created)

        let outcome = try await MasterKeyRotation.rotate(runtime)
        #expect(outcome.resealed == 6, "the v3 secret, the endpoint's secret and headers, and three server secrets")
        let reopened = try await HookdRuntime.open(
            dataDirectory: runtime.dataDirectory,
            environment: [:],
            create: false
        )
        let sealed = try #require(try await reopened.store.endpoint(appID: appID, id: id)?.sealedHeaders)
        #expect(reopened.sealer.isSealedUnderPrimary(sealed))
        #expect(
            try EndpointHeaders(sealed: sealed, openedBy: reopened.sealer, appID: appID, endpointID: id) == headers
        )
        let old = SecretSealer(primary: runtime.sealer.primary)
        #expect(throws: SecretSealingError.self) {
            _ = try EndpointHeaders(sealed: sealed, openedBy: old, appID: appID, endpointID: id)
        }
    }

    /// Headers an older hookd kept in the clear are sealed when hookd next opens the database with its key.
    @Test func headersKeptInTheClearAreSealedWhenTheRuntimeOpens() async throws {
        let (runtime, appID, _) = try await Self.prepare()
        defer { try? FileManager.default.removeItem(atPath: runtime.dataDirectory.path) }
        let endpointID = Identifiers.v3WebhookID(appID: appID)
        let sqlite = try #require(runtime.store as? SQLiteStore)
        // As an older hookd wrote it (ids made by Identifiers, the JSON is ours).
        try await sqlite.pool.write { db in
            try db.execute(
                sql: "UPDATE webhook_endpoints SET headers = ? WHERE id = ?",
                arguments: [#"{"Authorization":"Bearer from-before"}"#, endpointID]
            )
        }
        let reopened = try await HookdRuntime.open(
            dataDirectory: runtime.dataDirectory,
            environment: [:],
            create: false
        )
        let sealed = try #require(try await reopened.store.endpoint(appID: appID, id: endpointID)?.sealedHeaders)
        let headers = try EndpointHeaders(
            sealed: sealed,
            openedBy: reopened.sealer,
            appID: appID,
            endpointID: endpointID
        )
        #expect(headers.fields.map { [$0.name, $0.value] } == [["Authorization", "Bearer from-before"]])
        let left = try await sqlite.pool.read { db in
            try String.fetchOne(db, sql: "SELECT headers FROM webhook_endpoints WHERE id = ?", arguments: [endpointID])
        }
        #expect(left == "{}")
        var bytes = Data()
        for suffix in ["", "-wal"] {
            bytes.append(
                (try? Data(contentsOf: URL(fileURLWithPath: runtime.dataDirectory.databasePath + suffix))) ?? Data()
            )
        }
        #expect(bytes.range(of: Data("from-before".utf8)) == nil, "the clear value is still in the database files")
    }

    /// A crash after any step of a rotation (the new key written; everything re-sealed) loses nothing: hookd starts,
    /// every secret opens, and running the command again completes the rotation.
    @Test(arguments: MasterKeyRotation.Step.allCases)
    func aRotationCrashedAfterAnyStepLosesNothingAndCompletes(step: MasterKeyRotation.Step) async throws {
        let (runtime, appID, secret) = try await Self.prepare()
        defer { try? FileManager.default.removeItem(atPath: runtime.dataDirectory.path) }
        let operatorKey = try await runtime.operatorKey(environment: [:])
        await #expect(throws: MasterKeyRotation.Stopped.self) {
            _ = try await MasterKeyRotation.rotate(runtime, newKey: nil, stoppingAfter: step)
        }

        let afterCrash = try await HookdRuntime.open(
            dataDirectory: runtime.dataDirectory,
            environment: [:],
            create: false
        )
        #expect(afterCrash.hasInterruptedRotation)
        #expect(try await Self.openSecret(afterCrash, appID: appID) == secret)
        #expect(try await afterCrash.operatorKey(environment: [:]) == operatorKey)

        _ = try await MasterKeyRotation.rotate(afterCrash)
        let finished = try await HookdRuntime.open(
            dataDirectory: runtime.dataDirectory,
            environment: [:],
            create: false
        )
        #expect(!finished.hasInterruptedRotation)
        #expect(finished.sealer.primary.identifier != runtime.sealer.primary.identifier)
        #expect(try await Self.openSecret(finished, appID: appID) == secret)
        #expect(try await finished.operatorKey(environment: [:]) == operatorKey)
        let fence = try await finished.store.sealingKeyIdentifier(settingIfAbsent: [])
        #expect(fence == finished.sealer.primary.identifier, "the fence names the key in the key file")
    }

    @Test func anEnvironmentKeyRotatesToTheOperatorsNewKeyWithThePreviousOneStillOpening() async throws {
        let directory = DataDirectory(
            path: FileManager.default.temporaryDirectory.appendingPathComponent("hookd-rotate-env-\(UUID().uuidString)")
                .path
        )
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let old = MasterKey.generate()
        let runtime = try await HookdRuntime.open(
            dataDirectory: directory,
            environment: ["HOOKD_MASTER_KEY": old.encoded],
            create: true
        )
        let operatorKey = try await runtime.operatorKey(environment: [:])

        // Every node restarts with the new key, the old one beside it: what the old key sealed still opens.
        let new = MasterKey.generate()
        let rollout = ["HOOKD_MASTER_KEY": new.encoded, "HOOKD_PREVIOUS_MASTER_KEYS": old.encoded]
        let rolling = try await HookdRuntime.open(dataDirectory: directory, environment: rollout, create: false)
        #expect(try await rolling.operatorKey(environment: [:]) == operatorKey)
        let sealingDuringRollout = try await SealingKeys(keyring: rolling.sealer, store: rolling.store).sealer()
        #expect(sealingDuringRollout.primary.identifier == old.identifier, "until the rotation, the old key seals")
        await #expect(throws: (any Error).self, "without the old key nothing opens yet") {
            _ = try await HookdRuntime.open(
                dataDirectory: directory,
                environment: ["HOOKD_MASTER_KEY": new.encoded],
                create: false
            )
        }

        let outcome = try await MasterKeyRotation.rotate(rolling)
        #expect(outcome.resealed >= 2, "the operator key and the token signing key at least")
        let sealingAfter = try await SealingKeys(keyring: rolling.sealer, store: rolling.store).sealer()
        #expect(sealingAfter.primary.identifier == new.identifier, "a node holding both keys now seals with the new")
        // A node that missed the rollout (still running with the old key alone) can no longer seal anything.
        await #expect {
            _ = try await SealingKeys(keyring: runtime.sealer, store: runtime.store).sealer()
        } throws: { error in
            (error as? StoreError)?.isOutdatedMasterKey == true
        }
        await #expect {
            _ = try await runtime.store.serverSecret(name: "sealed-by-a-straggler") {
                try runtime.sealer.seal([1], purpose: "x")
            }
        } throws: { error in
            (error as? StoreError)?.isOutdatedMasterKey == true
        }
        let rotated = try await HookdRuntime.open(
            dataDirectory: directory,
            environment: ["HOOKD_MASTER_KEY": new.encoded],
            create: false
        )
        #expect(try await rotated.operatorKey(environment: [:]) == operatorKey, "the old key is no longer needed")
        #expect(!FileManager.default.fileExists(atPath: directory.masterKeyPath), "an environment key is never written")
        await #expect(throws: (any Error).self, "the old key alone no longer opens anything") {
            _ = try await HookdRuntime.open(
                dataDirectory: directory,
                environment: ["HOOKD_MASTER_KEY": old.encoded],
                create: false
            )
        }
    }

    @Test func aMalformedPreviousKeyIsNamedWithoutEchoingIt() async throws {
        let directory = DataDirectory(
            path: FileManager.default.temporaryDirectory.appendingPathComponent("hookd-rotate-env-\(UUID().uuidString)")
                .path
        )
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        await #expect {
            _ = try await HookdRuntime.open(
                dataDirectory: directory,
                environment: [
                    "HOOKD_MASTER_KEY": MasterKey.generate().encoded, "HOOKD_PREVIOUS_MASTER_KEYS": "not-a-key-zzz",
                ],
                create: true
            )
        } throws: { error in
            "\(error)".contains("HOOKD_PREVIOUS_MASTER_KEYS: key 1 is malformed") && !"\(error)".contains("zzz")
        }
    }
}

extension HookdRuntime {
    /// Opens a runtime on SQLite (no pool to run) for a test, as ``withOpened`` would before its body.
    static func open(
        dataDirectory: DataDirectory,
        environment: [String: String],
        create: Bool
    ) async throws -> HookdRuntime {
        let runtime = try await prepare(
            dataDirectory: dataDirectory,
            environment: environment,
            create: create,
            databaseURL: nil,
            logger: Logger(label: "hookd.test")
        )
        try await runtime.checkMasterKey()
        return runtime
    }
}
