import ArgumentParser
import Foundation
import HookdVerify

/// `hookd verify`: checks a delivery read from standard input, as a receiver would.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a delivery's signatures: the body on standard input, the headers as options.",
        discussion: """
            Exits 0 and prints "valid (<schemes>)", or exits 1 and prints "invalid: <reason>". Example:
              hookd verify --secret "$SECRET" --header "webhook-id: …" --header "webhook-timestamp: …" \\
                --header "webhook-signature: v1,…" < body.json

            Every scheme the delivery carries is checked: the body's v3 "sign", X-Fyatu-Signature and \
            webhook-signature; the answer names those that matched. A delivery signed by "sign" alone is refused \
            unless --allow-sign-only is given: "sign" covers no timestamp. Both body formats verify (v3, and v3.20 without "sign"). A header with several \
            signatures, as during a secret rotation's overlap, is valid when one of them matches.

            The secret is used exactly as it was issued, whatever its shape: whsec_… of any length, or a bare \
            string such as 64 hex digits. The v3 "sign" and X-Fyatu-Signature work with any of them; a \
            webhook-signature needs a secret of whsec_ followed by standard base64, and a delivery that carries \
            one is invalid with any other secret. To check such a delivery on its other schemes alone, leave \
            its webhook-signature header out.

            An ED25519 endpoint's deliveries verify with its public key instead of a secret: --public-key whpk_… \
            (repeat it for both keys of a rotation's overlap) checks the webhook-signature's v1a entries.
            """
    )

    @Option(
        help: """
            The webhook secret exactly as issued: whsec_… or a bare string such as 64 hex digits \
            (HOOKD_SECRET; prefer the environment: arguments show in ps).
            """
    )
    var secret: String?

    @Option(
        name: .customLong("public-key"),
        help: "An ED25519 endpoint's public key, whpk_…, instead of a secret; repeat for each key in force."
    )
    var publicKeys: [String] = []

    @Option(name: .customLong("header"), help: "A header as 'Name: value'; repeat for each header.")
    var headers: [String] = []

    @Option(help: "Seconds a header timestamp may differ from now (default 300).")
    var tolerance: Int = 300

    @Flag(
        help: """
            Accept a delivery whose only signature is the body's v3 "sign", which covers no timestamp (a captured \
            delivery could be replayed); by default X-Fyatu-Signature or webhook-signature is required.
            """
    )
    var allowSignOnly = false

    func run() async throws {
        let secret = secret ?? Environment.string("HOOKD_SECRET")
        guard secret != nil || !publicKeys.isEmpty else {
            throw CommandFailure("give the secret with --secret or HOOKD_SECRET, or --public-key")
        }
        var fields: [String: String] = [:]
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else {
                throw CommandFailure("--header must read 'Name: value'")
            }
            let name = header[..<colon].trimmingCharacters(in: .whitespaces)
            fields[name] = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = Array(FileHandle.standardInput.readDataToEndOfFile())
        do {
            let verifier =
                if let secret, publicKeys.isEmpty {
                    try WebhookVerifier(secret: secret, tolerance: .seconds(tolerance), allowingSignOnly: allowSignOnly)
                } else {
                    try WebhookVerifier(publicKeys: publicKeys, tolerance: .seconds(tolerance))
                }
            let delivery = try verifier.verify(body: body, headers: fields)
            let schemes = SignatureScheme.allCases.filter { delivery.schemes.contains($0) }.map(\.rawValue)
            emit("valid (\(schemes.joined(separator: ", ")))")
        } catch {
            emit("invalid: \(error)")
            throw ExitCode(1)
        }
    }
}
