import ArgumentParser
import Foundation
import HookdCore
import HookdServer

/// `hookd portal-link APPID` / `--operator`: prints a one-time link to the portal (SPEC §12).
struct PortalLinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal-link",
        abstract: "Print a one-time link that opens the portal for an app, or for the operator.",
        discussion: """
            The link works once, within --lifetime seconds; opening it starts a session of an hour \
            (--portal-session-lifetime of hookd serve) in a cookie, and the link leaves the address bar.
            """
    )

    @Argument(help: "The app whose portal to open.")
    var appID: AppID?

    @Flag(name: .customLong("operator"), help: "A link to the operator's portal instead.")
    var forOperator = false

    @Option(
        help:
            "The URL people reach hookd at (HOOKD_PUBLIC_URL; default http:// and HOOKD_HOST:HOOKD_PORT, or 127.0.0.1:8080)."
    )
    var publicURL: String?

    @Option(help: "Seconds the link may wait before it is used (HOOKD_PORTAL_LINK_LIFETIME; default 600).")
    var lifetime: Double?

    @Flag(help: "Print one JSON line: {\"url\":…,\"expiresAt\":…}.")
    var json = false

    @OptionGroup var storage: DataDirectoryOptions

    func run() async throws {
        guard (appID == nil) == forOperator else { throw CommandFailure("give an APPID or --operator, not both") }
        var options = ServeOptions()
        options[.publicURL] = publicURL
        options[.portalLinkLifetime] = lifetime.map { String($0) }
        let portal: HookdServerConfiguration.Portal
        do {
            portal = try options.configuration(environment: Environment.values).portal
        } catch {
            throw CommandFailure(
                error.description.replacingOccurrences(of: "--portal-link-lifetime", with: "--lifetime")
            )
        }
        let host = Environment.string(ServeSetting.host.twin) ?? HookdServerConfiguration().host
        let port = Environment.string(ServeSetting.port.twin) ?? String(HookdServerConfiguration().port)
        guard let base = PortalPublicURL(portal.publicURL ?? "http://\(host):\(port)") else {
            throw CommandFailure("HOOKD_HOST and HOOKD_PORT do not make a URL; give --public-url")
        }
        let link = try await storage.withRuntime(create: false) { runtime in
            try await runtime.portalLink(appID: appID, base: base, lifetime: portal.linkLifetime)
        }
        if json {
            emit(#"{"url":"\#(link.url)","expiresAt":"\#(Timestamp.iso8601(link.expiresAt))"}"#)
        } else {
            emit(link.url)
        }
    }
}
