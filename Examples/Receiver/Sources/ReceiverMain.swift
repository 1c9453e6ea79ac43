import Foundation
import HookdVerify
import Hummingbird

/// Runs the example receiver: `WEBHOOK_SECRET=whsec_… PORT=3000 swift run hookd-example-receiver`.
///
/// It listens on 127.0.0.1 only: put it behind your TLS-terminating proxy, since hookd delivers to
/// `https://` URLs.
@main
struct ReceiverMain {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let secret = environment["WEBHOOK_SECRET"], !secret.isEmpty else {
            fail("set WEBHOOK_SECRET to the app's whsec_… webhook secret")
        }
        guard let port = Int(environment["PORT"] ?? "3000"), (0...65_535).contains(port) else {
            fail("PORT must be a port number")
        }

        let receiver: WebhookReceiver
        do {
            receiver = try WebhookReceiver(secret: secret) { delivery, body in
                // Your code goes here: store the event and return quickly; work on it elsewhere.
                say("\(delivery.event ?? "?") \(delivery.eventId ?? "?"): \(body.count) bytes")
            }
        } catch {
            fail("WEBHOOK_SECRET: \(error)")  // says what is wrong without repeating the secret
        }

        let app = Application(
            router: receiver.router(),
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                say("receiving on http://127.0.0.1:\(channel.localAddress?.port ?? port)/webhooks")
            }
        )
        try await app.runService()
    }

    /// Writes a line to standard output at once, even when it is a pipe or a log file.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }
}
