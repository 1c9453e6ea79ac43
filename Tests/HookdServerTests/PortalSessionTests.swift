import Foundation
import HTTPTypes
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// The portal's sessions (SPEC §12) over real sockets: one-time links, the cookie, CSRF, expiry, logout, and what a
/// session may reach.
@Suite struct PortalSessionTests {
    @Test(arguments: Backend.all)
    func aLinkOpensOneSessionOnceWithoutLeavingItsTokenInTheAddress(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let (app, _) = try await harness.createApp()
            try await harness.withLiveServer { client in
                let path = try await PortalVisitor.linkPath(client, harness, body: PortalVisitor.appBody(app))
                #expect(path.hasPrefix("/portal/enter?link="))

                // Two browsers race with the same link: exactly one gets a session.
                async let first = PortalVisitor.open(path, client)
                async let second = PortalVisitor.open(path, client)
                let answers = try await [first, second]
                let opened = try #require(answers.first { $0.status == .seeOther })
                let refused = try #require(answers.first { $0.status == .unauthorized })
                #expect(String(buffer: refused.body).contains("used already"))
                #expect(refused.headers[.setCookie] == nil)

                #expect(opened.headers[.location] == "/portal/")
                let setCookie = try #require(opened.headers[.setCookie])
                let attributes = Set(
                    setCookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
                )
                #expect(attributes == ["Path=/", "Max-Age=3600", "HttpOnly", "SameSite=Strict"])
                #expect(opened.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)

                let cookie = String(try #require(setCookie.split(separator: ";").first))
                let session = try await client.json("/api/v3/portal/session", method: .get, headers: [.cookie: cookie])
                #expect(session.data["kind"] as? String == "app")
                #expect(session.data["appId"] as? String == app.id.rawValue)
                #expect((session.data["csrfToken"] as? String)?.count == 64)
                #expect(session.headers[.cacheControl] == "no-store")

                // The session is a credential for the app's own routes, as a token is.
                let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, headers: [.cookie: cookie])
                #expect(log.status == .ok, "\(log.raw)")
            }
        }
    }

    @Test func aChangeWithoutTheSessionsCSRFTokenIsRefusedAndChangesNothing() async throws {
        try await TestHarness.withDeliveries { harness in
            let (app, _) = try await harness.createApp()
            let (other, _) = try await harness.createApp()
            try await harness.withLiveServer { client in
                let browser = try await PortalVisitor.signIn(client, harness, body: PortalVisitor.appBody(app))
                let otherBrowser = try await PortalVisitor.signIn(client, harness, body: PortalVisitor.appBody(other))
                let body = #"{"webhookUrl":"http://127.0.0.1:9/hooks"}"#
                var foreign = browser.headers(csrf: false)
                foreign[PortalSessions.csrfHeader] = otherBrowser.csrfToken
                for headers in [browser.headers(csrf: false), foreign] {
                    let refused = try await client.json("/api/v3/webhooks", method: .put, headers: headers, body: body)
                    #expect(refused.status == .unauthorized)
                    #expect(refused.errorCode == "AUTH_TOKEN_INVALID")
                    #expect(try await harness.store.webhookConfiguration(appID: app.id)?.url == nil)
                }
                let accepted = try await client.json(
                    "/api/v3/webhooks",
                    method: .put,
                    headers: browser.headers(),
                    body: body
                )
                #expect(accepted.status == .ok, "\(accepted.raw)")
                #expect(try await harness.store.webhookConfiguration(appID: app.id)?.url == "http://127.0.0.1:9/hooks")
            }
        }
    }

    @Test func linksAndSessionsEndAtTheirLifetime() async throws {
        try await TestHarness.withDeliveries { harness in
            let (app, _) = try await harness.createApp()
            try await harness.withLiveServer { client in
                let late = try await PortalVisitor.linkPath(client, harness, body: PortalVisitor.appBody(app))
                let inTime = try await PortalVisitor.linkPath(client, harness, body: PortalVisitor.appBody(app))
                harness.clock.advance(by: 599)
                let opened = try await PortalVisitor.open(inTime, client)
                #expect(opened.status == .seeOther)
                harness.clock.advance(by: 1)
                let expired = try await PortalVisitor.open(late, client)
                #expect(expired.status == .unauthorized)
                #expect(String(buffer: expired.body).contains("expired"))

                let cookie = String(try #require(opened.headers[.setCookie]?.split(separator: ";").first))
                harness.clock.advance(by: 3598)
                let lastSecond = try await client.json(
                    "/api/v3/portal/session",
                    method: .get,
                    headers: [.cookie: cookie]
                )
                #expect(lastSecond.status == .ok)
                harness.clock.advance(by: 1)
                let ended = try await client.json("/api/v3/webhooks", method: .get, headers: [.cookie: cookie])
                #expect(ended.status == .unauthorized)
                #expect(ended.errorCode == "AUTH_TOKEN_INVALID")
            }
        }
    }

    @Test func logoutEndsTheSessionAtOnce() async throws {
        try await TestHarness.withDeliveries { harness in
            let (app, _) = try await harness.createApp()
            try await harness.withLiveServer { client in
                let browser = try await PortalVisitor.signIn(client, harness, body: PortalVisitor.appBody(app))
                let withoutCSRF = try await client.json(
                    "/api/v3/portal/logout",
                    method: .post,
                    headers: browser.headers(csrf: false)
                )
                #expect(withoutCSRF.status == .unauthorized)
                let out = try await client.json("/api/v3/portal/logout", method: .post, headers: browser.headers())
                #expect(out.status == .ok)
                #expect(out.headers[.setCookie]?.hasPrefix("hookd_portal=; Path=/; Max-Age=0") == true)
                let after = try await client.json("/api/v3/webhooks", method: .get, headers: browser.headers())
                #expect(after.status == .unauthorized)
                #expect((after.error["detail"] as? String)?.contains("ended") == true)
            }
        }
    }

    @Test func aSessionReachesOnlyWhatItIsFor() async throws {
        try await TestHarness.withDeliveries { harness in
            let (app, _) = try await harness.createApp()
            let (other, _) = try await harness.createApp()
            try await harness.withLiveServer { client in
                let published = try await harness.publish(data: "{}", appID: other.id, client: client)
                #expect(published.status == .accepted)
                let othersLog = try await harness.storedDeliveries(of: other.id, limit: 1)
                let othersDelivery = try #require(othersLog.items.first)
                let browser = try await PortalVisitor.signIn(client, harness, body: PortalVisitor.appBody(app))
                let operatorBrowser = try await PortalVisitor.signIn(client, harness, body: #"{"operator":true}"#)

                let foreign = try await client.json(
                    "/api/v3/webhooks/deliveries/\(othersDelivery.id)",
                    method: .get,
                    headers: browser.headers()
                )
                #expect(foreign.status == .notFound)
                let retried = try await client.json(
                    "/api/v3/webhooks/deliveries/\(othersDelivery.id)/retry",
                    method: .post,
                    headers: browser.headers()
                )
                #expect(retried.status == .notFound)
                let operatorRoute = try await client.json(
                    "/api/v3/internal/apps",
                    method: .get,
                    headers: browser.headers()
                )
                #expect(operatorRoute.status == .unauthorized)
                let publish = try await client.json(
                    "/api/v3/internal/events",
                    method: .post,
                    headers: operatorBrowser.headers(),
                    body: #"{"appId":"\#(app.id)","event":"card.funded","data":{}}"#
                )
                #expect(publish.status == .unauthorized, "publishing takes the operator key itself")
                let appRoute = try await client.json(
                    "/api/v3/webhooks",
                    method: .get,
                    headers: operatorBrowser.headers()
                )
                #expect(appRoute.status == .unauthorized)

                // A suspended app's session stops, and its links open nothing.
                let pending = try await PortalVisitor.linkPath(client, harness, body: PortalVisitor.appBody(app))
                _ = try await harness.administration.setStatus(
                    appID: app.id,
                    .suspended
                )
                let suspended = try await client.json("/api/v3/webhooks", method: .get, headers: browser.headers())
                #expect(suspended.errorCode == "AUTH_APP_INACTIVE")
                #expect(try await PortalVisitor.open(pending, client).status == .forbidden)
            }
        }
    }

    @Test(arguments: Backend.all)
    func everyCredentialChangeEndsTheLinksAndSessionsMadeBeforeIt(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let (app, _) = try await harness.createApp()
            let administration = harness.administration
            try await harness.withLiveServer { client in
                // rotate-key: a link made before it opens nothing, and a session opened before it ends.
                let browser = try await PortalVisitor.signIn(client, harness, body: PortalVisitor.appBody(app))
                let early = try await PortalVisitor.linkPath(client, harness, body: PortalVisitor.appBody(app))
                #expect(try await administration.rotateKey(appID: app.id) != nil)
                harness.clock.advance(by: 1)
                let refused = try await PortalVisitor.open(early, client)
                #expect(refused.status == .unauthorized)
                #expect(refused.headers[.setCookie] == nil)
                #expect(String(buffer: refused.body).contains("before the app's credentials changed"))
                let ended = try await client.json("/api/v3/webhooks", method: .get, headers: browser.headers())
                #expect(ended.errorCode == "AUTH_TOKEN_INVALID")
                // A link made after the change works.
                _ = try await PortalVisitor.signIn(client, harness, body: PortalVisitor.appBody(app))

                // Suspend, then activate: a link made before the suspension opens nothing after the activation.
                let beforeSuspension = try await PortalVisitor.linkPath(
                    client,
                    harness,
                    body: PortalVisitor.appBody(app)
                )
                let session = try await PortalVisitor.signIn(client, harness, body: PortalVisitor.appBody(app))
                _ = try await administration.setStatus(appID: app.id, .suspended)
                harness.clock.advance(by: 1)
                let whileSuspended = try await PortalVisitor.linkPath(client, harness, body: PortalVisitor.appBody(app))
                _ = try await administration.setStatus(appID: app.id, .active)
                harness.clock.advance(by: 1)
                #expect(try await PortalVisitor.open(beforeSuspension, client).status == .unauthorized)
                #expect(try await PortalVisitor.open(whileSuspended, client).status == .unauthorized)
                let afterActivation = try await client.json(
                    "/api/v3/webhooks",
                    method: .get,
                    headers: session.headers()
                )
                #expect(afterActivation.errorCode == "AUTH_TOKEN_INVALID")

                // Activating an app that is active already ends nothing.
                let fresh = try await PortalVisitor.signIn(client, harness, body: PortalVisitor.appBody(app))
                _ = try await administration.setStatus(appID: app.id, .active)
                harness.clock.advance(by: 1)
                let still = try await client.json("/api/v3/webhooks", method: .get, headers: fresh.headers())
                #expect(still.status == .ok, "\(still.raw)")
            }
        }
    }

    @Test func theOperatorSeesEveryAppsBacklogAndSuspendsAndActivatesApps() async throws {
        try await TestHarness.withDeliveries { harness in
            let (app, _) = try await harness.createApp()
            let (quiet, _) = try await harness.createApp()
            try await harness.withLiveServer { client in
                for _ in 0..<3 {
                    _ = try await harness.publish(data: "{}", appID: app.id, client: client)
                }
                let browser = try await PortalVisitor.signIn(client, harness, body: #"{"operator":true}"#)
                let listed = try await client.json("/api/v3/internal/apps", method: .get, headers: browser.headers())
                let apps = try #require(listed.object["data"] as? [[String: Any]])
                let depths = Dictionary(apps.map { ($0["appId"] as? String ?? "", $0["queueDepth"] as? Int) }) { $1 }
                #expect(depths == [app.id.rawValue: 3, quiet.id.rawValue: 0])

                let withoutCSRF = try await client.json(
                    "/api/v3/internal/apps/\(app.id)/suspend",
                    method: .post,
                    headers: browser.headers(csrf: false)
                )
                #expect(withoutCSRF.status == .unauthorized)
                #expect(try await harness.store.app(id: app.id)?.status == .active)
                let suspended = try await client.json(
                    "/api/v3/internal/apps/\(app.id)/suspend",
                    method: .post,
                    headers: browser.headers()
                )
                #expect(suspended.data["status"] as? String == "SUSPENDED")
                #expect(try await harness.store.app(id: app.id)?.status == .suspended)
                let activated = try await client.json(
                    "/api/v3/internal/apps/\(app.id)/activate",
                    method: .post,
                    token: harness.operatorKey
                )
                #expect(activated.data["status"] as? String == "ACTIVE")
                let unknown = try await client.json(
                    "/api/v3/internal/apps/NOSUCHAPP/suspend",
                    method: .post,
                    token: harness.operatorKey
                )
                #expect(unknown.status == .notFound)

                for (window, count, seconds) in [("hour", 60, 60), ("day", 24, 3600)] {
                    let activity = try await client.json(
                        "/api/v3/internal/activity?window=\(window)",
                        method: .get,
                        headers: browser.headers()
                    )
                    #expect(activity.data["bucketSeconds"] as? Int == seconds)
                    #expect((activity.data["buckets"] as? [Any])?.count == count)
                }
                let week = try await client.json(
                    "/api/v3/internal/activity?window=week",
                    method: .get,
                    token: harness.operatorKey
                )
                #expect(week.errorCode == "VALIDATION_ERROR")
            }
        }
    }

    @Test(arguments: [
        (#"{"appId":"APP","operator":true}"#, "VALIDATION_ERROR"),
        ("{}", "VALIDATION_ERROR"),
        (#"{"operator":"yes"}"#, "VALIDATION_ERROR"),
        (#"{"operator":true,"scope":"all"}"#, "VALIDATION_ERROR"),
        (#"{"appId":"NOSUCHAPP0000000"}"#, "RESOURCE_NOT_FOUND"),
        ("[1]", "VALIDATION_ERROR"),
    ])
    func aBadLinkRequestIsRefusedAndMakesNoLink(body: String, code: String) async throws {
        try await TestHarness.withDeliveries { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withClient { client in
                let refused = try await client.json(
                    "/api/v3/internal/portal-sessions",
                    method: .post,
                    token: harness.operatorKey,
                    body: body.replacingOccurrences(of: "APP", with: app.id.rawValue)
                )
                #expect(refused.errorCode == code, "\(refused.raw)")
                #expect(refused.data["url"] == nil)
                let token = try await client.token(for: app, key: key)
                let withAppToken = try await client.json(
                    "/api/v3/internal/portal-sessions",
                    method: .post,
                    token: token,
                    body: PortalVisitor.appBody(app)
                )
                #expect(withAppToken.errorCode == "AUTH_TOKEN_INVALID")
            }
        }
    }

    @Test func pagesCarryAStrictPolicyAndBadLinksGetAPageThatSaysSo() async throws {
        try await TestHarness.withDeliveries { harness in
            try await harness.withClient { client in
                for path in ["/portal", "/portal/", "/portal/operator"] {
                    let page = try await client.execute(uri: path, method: .get, headers: [:], body: nil)
                    #expect(page.status == .ok, "\(path)")
                    #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                    let policy = try #require(page.headers[.contentSecurityPolicy])
                    #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe"))
                    #expect(page.headers[.xContentTypeOptions] == "nosniff")
                }
                for path in [
                    "/portal/assets/missing.js", "/portal/assets/..%2FPackage.swift", "/portal/assets/openapi.yaml",
                ] {
                    let missing = try await client.execute(uri: path, method: .get, headers: [:], body: nil)
                    #expect(missing.status == .notFound, "\(path)")
                }
                let noLink = try await client.execute(uri: "/portal/enter", method: .get, headers: [:], body: nil)
                #expect(noLink.status == .badRequest)
                let forged = try await client.execute(
                    uri: "/portal/enter?link=eyJhbGciOiJIUzI1NiJ9.eyJ1c2UiOiJsaW5rIn0.AAAA",
                    method: .get,
                    headers: [:],
                    body: nil
                )
                #expect(forged.status == .unauthorized)
                #expect(String(buffer: forged.body).contains("not valid"))
                #expect(forged.headers[.setCookie] == nil)
            }
        }
    }

    @Test func anHTTPSPublicURLMakesTheLinkAndASecureCookie() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { configuration in
            configuration.portal.publicURL = "https://hooks.example.com"
        }
        try await TestHarness.withDeliveries(configure: configure) { harness in
            let (app, _) = try await harness.createApp()
            try await harness.withClient { client in
                let made = try await client.json(
                    "/api/v3/internal/portal-sessions",
                    method: .post,
                    token: harness.operatorKey,
                    body: PortalVisitor.appBody(app)
                )
                let url = try #require(made.data["url"] as? String)
                #expect(url.hasPrefix("https://hooks.example.com/portal/enter?link="))
                let opened = try await PortalVisitor.open(
                    String(url.dropFirst("https://hooks.example.com".count)),
                    client
                )
                #expect(opened.headers[.setCookie]?.hasSuffix("; Secure") == true)
            }
        }
    }
}
