package import Foundation
import HTTPTypes
import HookdBench
import Testing

/// hookd's deliveries checked by someone else's verifier: the `standardwebhooks` package from PyPI, run in `python3`.
package enum StandardWebhooksPython {
    /// Verifies each delivery named on the command line with the secret from the environment; one line per delivery.
    package static let verifierScript = """
        from json import load
        from os import environ
        from sys import argv
        from standardwebhooks import Webhook, WebhookVerificationError
        webhook = Webhook(environ["HOOKD_INTEROP_SECRET"])
        for path in argv[1:]:
            with open(path + ".body", "rb") as body, open(path + ".headers.json") as headers:
                try:
                    webhook.verify(body.read(), load(headers))
                    print("valid")
                except WebhookVerificationError as error:
                    print("rejected: " + str(error))
        """

    /// A delivery as it arrived: the raw body and the headers.
    package struct Delivery: Sendable {
        package let body: [UInt8]
        package let headers: [String: String]

        package init(_ received: TestReceiver.Received) {
            body = received.body
            var headers: [String: String] = [:]
            for field in received.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
            }
            self.headers = headers
        }

        package init(body: [UInt8], headers: [String: String]) {
            self.body = body
            self.headers = headers
        }

        /// The same headers with another body.
        package func with(body: String) -> Delivery { Delivery(body: Array(body.utf8), headers: headers) }
    }

    /// What `python3` printed and how it ended.
    package struct Run: Sendable {
        package let status: Int32
        package let output: String
        package let errors: String
    }

    /// Runs `python3` with `arguments` and `environment` added, waiting without blocking a thread.
    package static func python(_ arguments: [String], environment: [String: String] = [:]) async throws -> Run {
        let process = try SpawnedProcess(
            executable: "/usr/bin/env",
            arguments: ["python3"] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }
        )
        let status = try #require(try await process.waitForExit(seconds: 120), "python3 did not finish in 120 s")
        return Run(status: status, output: process.standardOutput, errors: process.standardError)
    }

    /// Fails the test, saying how to fix it, when `python3` or the `standardwebhooks` package is missing.
    package static func requireStandardWebhooks() async throws {
        let run = try await python(["-c", "import standardwebhooks"])
        try #require(
            run.status == 0,
            """
            these tests verify hookd's deliveries with the Standard Webhooks package from PyPI, which python3 \
            cannot import: run `pip install standardwebhooks` (\(run.errors.split(separator: "\n").last ?? ""))
            """
        )
    }

    /// Verifies `deliveries` with `secret` in Python; one result per delivery: `valid` or `rejected: <reason>`.
    package static func verifyInPython(
        _ deliveries: [Delivery],
        secret: String,
        in directory: URL
    ) async throws -> [String] {
        var paths: [String] = []
        for delivery in deliveries {
            let path = directory.appendingPathComponent("delivery-\(UUID().uuidString)").path
            try Data(delivery.body).write(to: URL(fileURLWithPath: path + ".body"))
            try JSONSerialization.data(withJSONObject: delivery.headers)
                .write(to: URL(fileURLWithPath: path + ".headers.json"))
            paths.append(path)
        }
        let run = try await python(
            ["-c", verifierScript] + paths,
            environment: ["HOOKD_INTEROP_SECRET": secret]
        )
        #expect(run.status == 0, "python3 failed: \(run.errors)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.count == deliveries.count, "python3 printed \(run.output), errors: \(run.errors)")
        return lines
    }
}
