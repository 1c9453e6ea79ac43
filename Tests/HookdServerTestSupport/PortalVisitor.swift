import Foundation
package import HTTPTypes
package import HookdCore
package import HummingbirdTesting
import Testing

@testable import HookdServer

/// A browser's view of one session: the cookie it holds and the CSRF token its page read.
package struct PortalVisitor: Sendable {
    package let cookie: String
    package let csrfToken: String

    /// The headers of a request in this session; `csrf: false` leaves the CSRF token out.
    package func headers(csrf: Bool = true) -> HTTPFields {
        var headers: HTTPFields = [.cookie: cookie]
        if csrf { headers[PortalSessions.csrfHeader] = csrfToken }
        return headers
    }

    /// Asks for a link with the operator key (`body` is `{"appId":…}` or `{"operator":true}`) and returns its path.
    package static func linkPath(
        _ client: some TestClientProtocol,
        _ harness: TestHarness,
        body: String
    ) async throws -> String {
        let made = try await client.json(
            "/api/v3/internal/portal-sessions",
            method: .post,
            token: harness.operatorKey,
            body: body
        )
        #expect(made.status == .created, "\(made.raw)")
        let text = try #require(made.data["url"] as? String)
        let url = try #require(URLComponents(string: text))
        return url.path + "?" + (url.query ?? "")
    }

    /// Opens a link as a browser would (not following the redirect).
    package static func open(_ path: String, _ client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(uri: path, method: .get, headers: [:], body: nil)
    }

    /// Opens a new link for `body` and reads the session's CSRF token, as the portal's page does.
    package static func signIn(
        _ client: some TestClientProtocol,
        _ harness: TestHarness,
        body: String
    ) async throws -> PortalVisitor {
        let opened = try await open(try await linkPath(client, harness, body: body), client)
        #expect(opened.status == .seeOther)
        let setCookie = try #require(opened.headers[.setCookie])
        let cookie = String(try #require(setCookie.split(separator: ";").first))
        let session = try await client.json("/api/v3/portal/session", method: .get, headers: [.cookie: cookie])
        return PortalVisitor(cookie: cookie, csrfToken: try #require(session.data["csrfToken"] as? String))
    }

    /// The body of a link request for `app`.
    package static func appBody(_ app: App) -> String { #"{"appId":"\#(app.id)"}"# }
}
