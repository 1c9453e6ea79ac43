import ArgumentParser
import Foundation
import HookdCore
import HookdServer

/// `hookd apps …`: the operator's management of tenants.
struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps",
        abstract: "Create and manage apps (tenants).",
        subcommands: [Create.self, List.self, Suspend.self, Activate.self, RotateKey.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an app and print its secret key once.")

        @Option(help: "The app's name.")
        var name: String

        @Option(help: "issuing or collection.")
        var type: String = "issuing"

        @Option(help: "Comma-separated scopes (default: webhooks:read,webhooks:write).")
        var scopes: String = Scope.allCases.map(\.rawValue).joined(separator: ",")

        @Option(help: "LIVE or SANDBOX; a SANDBOX app may use http:// webhook URLs (default: LIVE).")
        var environment: String = AppEnvironment.live.rawValue

        @Flag(help: "Print one JSON line.")
        var json = false

        @OptionGroup var storage: DataDirectoryOptions

        func run() async throws {
            guard let appType = AppType(rawValue: type) else {
                throw CommandFailure("--type must be issuing or collection")
            }
            guard let appEnvironment = AppEnvironment(rawValue: environment.uppercased()) else {
                throw CommandFailure("--environment must be LIVE or SANDBOX")
            }
            guard let scopeList = Scope.parseList(scopes) else {
                throw CommandFailure("--scopes must list webhooks:read and/or webhooks:write")
            }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
                throw CommandFailure("--name must be 1 to 200 characters")
            }
            let (app, secretKey) = try await storage.withRuntime(create: true) { runtime in
                try await AppAdministration(store: runtime.store).create(
                    name: name,
                    type: appType,
                    scopes: scopeList,
                    environment: appEnvironment
                )
            }
            if json {
                // SPEC §10's line, to the byte, for a LIVE app; a SANDBOX app's line says so at its end.
                var line: [String: String] = [
                    "appId": app.id.rawValue, "businessId": app.businessID.rawValue, "secretKey": secretKey.value,
                    "name": app.name,
                    "type": app.type.rawValue,
                ]
                var order = ["appId", "businessId", "secretKey", "name", "type"]
                if app.environment != .live {
                    line["environment"] = app.environment.rawValue
                    order.append("environment")
                }
                emit(try jsonLine(line, order: order))
            } else {
                emit(
                    "created app \(app.id) (\(app.type.rawValue), \(app.environment.rawValue), business \(app.businessID))"
                )
                emit("secret key (shown only this once): \(secretKey.value)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every app.")

        @Flag(help: "Print one JSON object per line.")
        var json = false

        @OptionGroup var storage: DataDirectoryOptions

        func run() async throws {
            let apps = try await storage.withRuntime(create: false) { runtime in
                try await AppAdministration(store: runtime.store).list()
            }
            for app in apps {
                let fields: [String: String] = [
                    "appId": app.id.rawValue, "businessId": app.businessID.rawValue, "name": app.name,
                    "type": app.type.rawValue,
                    "status": app.status.rawValue, "scopes": app.scopes.map(\.rawValue).joined(separator: ","),
                    "createdAt": Timestamp.iso8601(app.createdAt),
                ]
                if json {
                    emit(
                        try jsonLine(
                            fields,
                            order: ["appId", "businessId", "name", "type", "status", "scopes", "createdAt"]
                        )
                    )
                } else {
                    emit(
                        "\(app.id)  \(app.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  "
                            + "\(app.type.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(app.name)"
                    )
                }
            }
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend an app: its tokens stop working at once, and stay retired if it is activated again."
        )

        @OptionGroup var app: AppSelection

        func run() async throws {
            try await app.setStatus(.suspended)
            emit("suspended \(app.appID)")
        }
    }

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reactivate a suspended app.")

        @OptionGroup var app: AppSelection

        func run() async throws {
            try await app.setStatus(.active)
            emit("activated \(app.appID)")
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Give an app a new secret key; the old one, and every token issued with it, stop working at once."
        )

        @OptionGroup var app: AppSelection

        func run() async throws {
            let appID = app.appID
            let rotated = try await app.storage.withRuntime(create: false) { runtime in
                try await AppAdministration(store: runtime.store).rotateKey(appID: appID)
            }
            guard let key = rotated else { throw CommandFailure("no app \(appID)") }
            emit("new secret key for \(appID) (shown only this once): \(key.value)")
        }
    }
}

/// One line of JSON with string values in the given key order.
func jsonLine(_ fields: [String: String], order: [String]) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let parts = try order.compactMap { key -> String? in
        guard let value = fields[key] else { return nil }
        let encodedKey = String(decoding: try encoder.encode(key), as: UTF8.self)
        let encodedValue = String(decoding: try encoder.encode(value), as: UTF8.self)
        return "\(encodedKey):\(encodedValue)"
    }
    return "{" + parts.joined(separator: ",") + "}"
}
