import ArgumentParser
import HookdCore
import HookdServer

/// The app an `apps` subcommand acts on, and the store it is in.
struct AppSelection: ParsableArguments {
    @Argument(help: "The app id.")
    var appID: AppID

    @OptionGroup var storage: DataDirectoryOptions

    /// Sets the app's status.
    ///
    /// - Throws: ``CommandFailure`` when the store has no such app.
    func setStatus(_ status: AppStatus) async throws {
        let app = try await storage.withRuntime(create: false) { runtime in
            try await AppAdministration(store: runtime.store).setStatus(appID: appID, status)
        }
        guard app != nil else { throw CommandFailure("no app \(appID)") }
    }
}
