import ArgumentParser
import HookdCore
import HookdServer

/// `hookd publish`: stores an event for delivery, as `POST /internal/events` does.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish an event to an app; a running hookd serve delivers it.",
        discussion: "Prints one JSON line: {\"eventId\":…,\"deliveryId\":…,\"created\":true|false}."
    )

    @Option(name: .customLong("app"), help: "The app id.")
    var appID: AppID

    @Option(help: "The event name, from the app's catalogue.")
    var event: String

    @Option(help: "The event's data: a JSON object.")
    var data: String

    @Option(name: .customLong("event-id"), help: "A UUID that makes the publish idempotent (generated when absent).")
    var eventID: String?

    @OptionGroup var storage: DataDirectoryOptions

    func run() async throws {
        let receipt = try await storage.withRuntime(create: false) { runtime in
            do {
                return try await runtime.publish(appID: appID, event: event, data: Array(data.utf8), eventID: eventID)
            } catch let error as PublishRefused {
                let option = error.field.map { ["eventId": "event-id", "appId": "app"][$0] ?? $0 }
                throw CommandFailure("\(option.map { "--\($0) " } ?? "")\(error.description)")
            }
        }
        emit(
            JSONOutput.object([
                ("eventId", .string(receipt.eventID.rawValue)), ("deliveryId", .string(receipt.deliveryID.rawValue)),
                ("created", .bool(receipt.created)),
            ]).text
        )
    }
}

extension JSONOutput {
    /// The compact JSON as a string.
    var text: String { String(decoding: bytes, as: UTF8.self) }
}
