import AsyncHTTPClient
import Foundation
import HookdCore
import HookdServer
import HookdServerTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// The `hookd` binary as an operator runs it: real processes, real sockets on 127.0.0.1.
@Suite(.serialized) struct CommandLineTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-cli-\(UUID().uuidString)").path
        return path
    }

    /// The status of opening a portal link, without following its redirect.
    static func openPortalLink(_ url: String) async throws -> Int {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            try await client.shutdown()
            return Int(response.status.code)
        } catch {
            try await client.shutdown()
            throw error
        }
    }

    @Test func serveOnAFreshMachineCreatesItsStateAndPrintsTheFirstApp() async throws {
        let directory = try Self.temporaryDirectory() + "/.hookd"
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let server = try ChildProcess(["serve", "--port", "0", "--data-dir", directory])
        let port = try #require(
            try await server.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#),
            "\(server.standardError)"
        )
        let appID = try #require(try await server.waitForOutput(#/appId: +([A-Z0-9]{16})/#))
        let secretKey = try #require(try await server.waitForOutput(#/secretKey: +(sk_[A-Za-z0-9]{48})/#))
        #expect(
            server.standardOutput.contains("curl -s -X POST http://127.0.0.1:\(port)/api/v3/webhooks/secret/regenerate")
        )

        let keyAttributes = try FileManager.default.attributesOfItem(atPath: directory + "/master.key")
        #expect((keyAttributes[.posixPermissions] as? Int) == 0o600)
        let directoryAttributes = try FileManager.default.attributesOfItem(atPath: directory)
        #expect((directoryAttributes[.posixPermissions] as? Int) == 0o700)

        let token = try await LiveHTTP.post(
            "http://127.0.0.1:\(port)/api/v3/auth/token",
            json: #"{"appId":"\#(appID)","secretKey":"\#(secretKey)","grantType":"client_credentials"}"#
        )
        #expect(token.status == 200)

        // Beside the credentials, a portal link that opens a session once; `hookd portal-link` makes another.
        let banner = try #require(
            try await server.waitForOutput(#/(http://127\.0\.0\.1:\d+/portal/enter\?link=[A-Za-z0-9._-]+)/#)
        )
        #expect(try await Self.openPortalLink(banner) == 303)
        #expect(try await Self.openPortalLink(banner) == 401)
        let made = try await ChildProcess.run([
            "portal-link", appID, "--data-dir", directory, "--public-url", "http://127.0.0.1:\(port)",
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let link = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(link.hasPrefix("http://127.0.0.1:\(port)/portal/enter?link="))
        #expect(try await Self.openPortalLink(link) == 303)
        let operatorLink = try await ChildProcess.run(["portal-link", "--operator", "--data-dir", directory])
        #expect(operatorLink.stdout.hasPrefix("http://127.0.0.1:8080/portal/enter?link="), "\(operatorLink.stderr)")
        for wrong in [
            ["portal-link", "--data-dir", directory], ["portal-link", "NOSUCHAPP", "--data-dir", directory],
        ] {
            let refused = try await ChildProcess.run(wrong)
            #expect(refused.status != 0 && refused.stdout.isEmpty)
        }
        #expect(try await server.stop() == 0, "SIGTERM shuts down cleanly")

        let restarted = try ChildProcess(["serve", "--port", "0", "--data-dir", directory])
        _ = try #require(try await restarted.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#))
        try await Task.sleep(for: .milliseconds(200))
        #expect(!restarted.standardOutput.contains("secretKey"), "credentials are printed on the first start only")
        _ = try await restarted.stop()
        #expect(!server.standardError.contains(secretKey), "the secret key never goes to the log")
    }

    @Test func aSecondServerOnTheSameDataDirRefusesToStart() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try ChildProcess(["serve", "--port", "0", "--data-dir", directory])
        let port = try #require(
            try await first.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#),
            "\(first.standardError)"
        )
        let second = try ChildProcess(["serve", "--port", "0", "--data-dir", directory])
        let status = try await second.waitForExit(seconds: 20)
        #expect(status != nil && status != 0)
        #expect(
            second.standardError.contains("another hookd process (pid \(first.identifier))"),
            "\(second.standardError)"
        )
        #expect(!second.standardOutput.contains("listening"))

        let health = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"),
            timeout: .seconds(5)
        )
        #expect(health.status.code == 200, "the first server is unaffected")
        _ = try await first.stop()
        let integrity = try await ChildProcess.run(["migrate", "--data-dir", directory])
        #expect(integrity.status == 0)
    }

    @Test func operatorCommandsManageApps() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let created = try await ChildProcess.run([
            "apps", "create", "--name", "Acme Cards", "--type", "collection", "--json", "--data-dir", directory,
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let line = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!line.contains("\n"))
        #expect(
            line.wholeMatch(
                of:
                    #/\{"appId":"[A-Z0-9]{16}","businessId":"[A-Z0-9]{24}","secretKey":"sk_[A-Za-z0-9]{48}","name":"Acme Cards","type":"collection"\}/#
            ) != nil,
            "\(line)"
        )
        let app = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        let appID = try #require(app["appId"])

        let listed = try await ChildProcess.run(["apps", "list", "--json", "--data-dir", directory])
        #expect(listed.stdout.contains(#""appId":"\#(appID)""#))
        #expect(listed.stdout.contains(#""status":"ACTIVE""#))
        #expect(!listed.stdout.contains("sk_"), "listing never shows a key")

        #expect(try await ChildProcess.run(["apps", "suspend", appID, "--data-dir", directory]).status == 0)
        #expect(
            try await ChildProcess.run(["apps", "list", "--json", "--data-dir", directory]).stdout.contains(
                #""status":"SUSPENDED""#
            )
        )
        #expect(try await ChildProcess.run(["apps", "activate", appID, "--data-dir", directory]).status == 0)
        let rotated = try await ChildProcess.run(["apps", "rotate-key", appID, "--data-dir", directory])
        #expect(rotated.stdout.firstMatch(of: #/sk_[A-Za-z0-9]{48}/#) != nil)
        #expect(!rotated.stdout.contains(try #require(app["secretKey"])))

        let unknown = try await ChildProcess.run(["apps", "suspend", "NOSUCHAPP0000000", "--data-dir", directory])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no app NOSUCHAPP0000000"))
        let badType = try await ChildProcess.run([
            "apps", "create", "--name", "x", "--type", "lending", "--data-dir", directory,
        ])
        #expect(badType.status != 0)
        #expect(badType.stderr.contains("issuing or collection"))

        let operatorKey = try await ChildProcess.run(["operator-key", "--data-dir", directory])
        #expect(operatorKey.stdout.wholeMatch(of: #/hok_[A-Za-z0-9]{48}\n/#) != nil)
        #expect(
            try await ChildProcess.run(["operator-key", "--data-dir", directory]).stdout == operatorKey.stdout,
            "the key is stable"
        )
        let webhookSecret = try await ChildProcess.run(["operator-webhook-secret", "--data-dir", directory])
        #expect(webhookSecret.stdout.wholeMatch(of: #/whsec_[0-9a-f]{64}\n/#) != nil, "\(webhookSecret.stdout)")
        #expect(
            try await ChildProcess.run(["operator-webhook-secret", "--data-dir", directory]).stdout
                == webhookSecret.stdout,
            "the operator's webhook secret is stable"
        )
        let chosen = "hok_" + (0..<4).map { _ in UUID().uuidString.replacingOccurrences(of: "-", with: "") }.joined()
        let fromEnvironment = try await ChildProcess.run(
            ["operator-key", "--data-dir", directory],
            environment: ["HOOKD_OPERATOR_KEY": chosen]
        )
        #expect(fromEnvironment.stdout == chosen + "\n")
        // A guessable key is refused, by the command and by the server, and never echoed.
        for command in [["operator-key", "--data-dir", directory], ["serve", "--port", "0", "--data-dir", directory]] {
            let weak = try await ChildProcess.run(command, environment: ["HOOKD_OPERATOR_KEY": "hok_from_environment"])
            #expect(weak.status != 0, "\(command[0]): \(weak.stdout)")
            #expect(weak.stderr.contains("HOOKD_OPERATOR_KEY must carry at least 256 bits"), "\(weak.stderr)")
            #expect(!weak.stderr.contains("hok_from_environment") && !weak.stdout.contains("hok_from_environment"))
        }
    }

    /// ServiceLifecycle logs each service's description at debug level; the node's must not carry the operator key.
    @Test func debugLogsNeverShowTheOperatorKey() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let operatorKey =
            "hok_" + (0..<4).map { _ in UUID().uuidString.replacingOccurrences(of: "-", with: "") }.joined()
        let server = try ChildProcess(
            ["serve", "--log-level", "debug"],
            environment: ["HOOKD_DATA_DIR": directory, "HOOKD_PORT": "0", "HOOKD_OPERATOR_KEY": operatorKey]
        )
        _ = try #require(
            try await server.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#),
            "\(server.standardError)"
        )
        _ = try await server.stop()
        #expect(server.standardError.contains("debug"), "the debug lines were written")
        #expect(!server.standardError.contains(operatorKey) && !server.standardOutput.contains(operatorKey))
    }

    @Test func environmentTwinsConfigureServe() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = MasterKey.generate()
        let server = try ChildProcess(
            ["serve"],
            environment: ["HOOKD_DATA_DIR": directory, "HOOKD_PORT": "0", "HOOKD_MASTER_KEY": key.encoded]
        )
        _ = try #require(
            try await server.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#),
            "\(server.standardError)"
        )
        _ = try await server.stop()
        #expect(FileManager.default.fileExists(atPath: directory + "/hookd.sqlite"))
        #expect(
            !FileManager.default.fileExists(atPath: directory + "/master.key"),
            "an environment key is never written to disk"
        )

        let wrongKey = try await ChildProcess.run(
            ["operator-key", "--data-dir", directory],
            environment: ["HOOKD_MASTER_KEY": MasterKey.generate().encoded]
        )
        #expect(wrongKey.status != 0, "secrets sealed under one master key do not open under another")
        let badKey = try await ChildProcess.run(
            ["serve", "--port", "0", "--data-dir", directory],
            environment: ["HOOKD_MASTER_KEY": "nope"]
        )
        #expect(badKey.status != 0)
        #expect(badKey.stderr.contains("HOOKD_MASTER_KEY is malformed"))
        #expect(!badKey.stderr.contains("nope"), "the given key is not echoed")
    }

    @Test func anUnreachableDatabaseIsNamedAtStart() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let refused = try await ChildProcess.run([
            "serve", "--port", "0", "--data-dir", directory, "--database", "postgres://hookd:s3cret@127.0.0.1:1/hookd",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cannot reach the PostgreSQL server at 127.0.0.1:1"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("s3cret"), "the password is never printed")
        #expect(!refused.stdout.contains("listening"))
    }

    @Test func aWorldReadableKeyFileIsRefused() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try await ChildProcess.run(["migrate", "--data-dir", directory]).status == 0)
        chmod(directory + "/master.key", 0o644)
        let refused = try await ChildProcess.run(["serve", "--port", "0", "--data-dir", directory])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("chmod 600"))
    }

    @Test func rotateMasterKeyRefusesWhileServing() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ChildProcess(["serve", "--port", "0", "--data-dir", directory])
        _ = try #require(
            try await server.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#),
            "\(server.standardError)"
        )
        let refused = try await ChildProcess.run(["rotate-master-key", "--data-dir", directory])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("another hookd process"))
        _ = try await server.stop()
        let rotated = try await ChildProcess.run(["rotate-master-key", "--data-dir", directory])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.stdout.contains("re-sealed"))
    }

    @Test(arguments: [
        (["--max-in-flight-per-app", "0"], [:], "--max-in-flight-per-app must be from 1 to 10000"),
        ([], ["HOOKD_MAX_IN_FLIGHT_PER_APP": "20000"], "--max-in-flight-per-app must be from 1 to 10000"),
        ([], ["HOOKD_MAX_IN_FLIGHT_PER_APP": "eight"], "HOOKD_MAX_IN_FLIGHT_PER_APP must be a whole number"),
        (["--shutdown-timeout", "0"], [:], "--shutdown-timeout must be more than 0 and at most 3600 seconds"),
        ([], ["HOOKD_SHUTDOWN_TIMEOUT": "-1"], "--shutdown-timeout must be more than 0 and at most 3600 seconds"),
        (["--retention-days", "0"], [:], "--retention-days must be from 1 to 3650"),
        ([], ["HOOKD_ENDPOINT_DISABLE_DAYS": "366"], "--endpoint-disable-days must be from 1 to 365"),
        (["--max-connections", "0"], [:], "--max-connections must be from 1 to 1000000"),
        ([], ["HOOKD_IDLE_TIMEOUT": "0"], "--idle-timeout must be more than 0 and at most 3600 seconds"),
        (["--request-timeout", "4000"], [:], "--request-timeout must be more than 0 and at most 3600 seconds"),
        (["--login-failures-per-app", "0"], [:], "--login-failures-per-app must be from 1 to 1000000000"),
        ([], ["HOOKD_RETRIES_PER_MINUTE": "lots"], "HOOKD_RETRIES_PER_MINUTE must be a whole number, not lots"),
        ([], ["HOOKD_MANUAL_RETRIES_PER_DELIVERY": "-1"], "--manual-retries-per-delivery must be from 0 to 10000"),
        (["--portal-link-lifetime", "9"], [:], "--portal-link-lifetime must be from 10 to 86400 seconds"),
        ([], ["HOOKD_PORTAL_SESSION_LIFETIME": "86401"], "--portal-session-lifetime must be from 60 to 86400 seconds"),
        (["--public-url", "ftp://hooks.example.com"], [:], "--public-url must be an http:// or https:// URL"),
        ([], ["HOOKD_PUBLIC_URL": "https://user@hooks.example.com"], "--public-url must be an http:// or https:// URL"),
    ])
    func aLimitOutOfRangeIsRefusedBeforeServing(
        arguments: [String],
        environment: [String: String],
        message: String
    ) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let refused = try await ChildProcess.run(
            ["serve", "--port", "0", "--data-dir", directory] + arguments,
            environment: environment
        )
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(message), "\(refused.stderr)")
        #expect(!refused.stdout.contains("listening"))
    }
}
