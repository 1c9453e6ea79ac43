import ArgumentParser
import Foundation
import HookdCore
import HookdServer
import Logging

/// `hookd serve`: runs the API until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the hookd API server."
    )

    @OptionGroup var flags: ServeFlags

    @OptionGroup var storage: DataDirectoryOptions

    func run() async throws {
        let configuration: HookdServerConfiguration
        do {
            configuration = try flags.options.configuration(environment: Environment.values)
        } catch {
            throw CommandFailure(error.description)
        }
        LoggingSystem.bootstrap(
            { label, metadataProvider in
                var handler = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
                handler.logLevel = configuration.logLevel
                return handler
            },
            metadataProvider: configuration.loggingMetadataProvider
        )
        do {
            try await serve(
                configuration: configuration,
                dataDirectory: storage.resolved,
                databaseURL: storage.databaseURL,
                logger: Logger(label: "hookd")
            ) { base, firstStart in
                emit("listening on \(base)")
                if let firstStart {
                    emit(FirstStartBanner(start: firstStart, base: base).text)
                }
            }
        } catch let error as RuntimeError {
            throw CommandFailure(error.description)
        }
    }
}

/// What `hookd serve` prints once on a fresh data directory: the first app's credentials and a session to try.
struct FirstStartBanner {
    let start: FirstStart
    let base: String

    var text: String {
        let app = start.app
        let secretKey = start.secretKey
        return """

            hookd created a first app. Its secret key is shown only this once: store it now.
              appId:     \(app.id)
              secretKey: \(secretKey.value)
              type:      \(app.type.rawValue)

            Try the API (set a URL your platform can reach; the secret is printed once):
              TOKEN=$(curl -s \(base)/api/v3/auth/token -H 'Content-Type: application/json' \\
                -d '{"appId":"\(app.id)","secretKey":"\(secretKey.value)","grantType":"client_credentials"}' \\
                | sed -E 's/.*"accessToken":"([^"]+)".*/\\1/')
              curl -s -X PUT \(base)/api/v3/webhooks -H "Authorization: Bearer $TOKEN" \\
                -H 'Content-Type: application/json' -d '{"webhookUrl":"https://example.com/webhooks"}'
              curl -s -X POST \(base)/api/v3/webhooks/secret/regenerate -H "Authorization: Bearer $TOKEN"
            \(portalLines)
            """
    }

    /// The portal link, which works once within its lifetime (`hookd portal-link APPID` makes another).
    private var portalLines: String {
        guard let link = start.portalLink else { return "" }
        return """

            Open the app's portal in a browser (the link works once, until \(Timestamp.iso8601(link.expiresAt));
            hookd portal-link \(start.app.id) makes another):
              \(link.url)

            """
    }
}
