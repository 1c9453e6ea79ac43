import ArgumentParser
import HookdServer

/// The `hookd` command: the server and the operator's tools.
@main
struct Hookd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hookd",
        abstract: "A self-hosted webhook service: signed deliveries and the API to manage their secrets.",
        discussion: "Every option can also be set in the environment as HOOKD_<OPTION>, e.g. HOOKD_PORT=9000.",
        version: HookdVersion.current,
        subcommands: [
            ServeCommand.self, AppsCommand.self, PublishCommand.self, VerifyCommand.self, OperatorKeyCommand.self,
            OperatorWebhookSecretCommand.self,
            RotateMasterKeyCommand.self, MigrateCommand.self, PortalLinkCommand.self, BenchCommand.self,
        ]
    )
}
