/// What hookd shows and keeps of a header value that is a credential or a signature (SPEC §7): the value replaced by
/// ``marker``; for a signature header, its scheme and timestamp without the MAC.
///
/// Applied to an endpoint's custom headers in every answer that shows them, and to the headers an attempt was sent
/// with before they are stored, so that neither an answer nor the database holds a credential or an old MAC.
/// Redacting is idempotent: a redacted value redacts to itself.
///
/// ```swift
/// HeaderRedaction.redacted(name: "Authorization", value: "Bearer abc")        // "[redacted]"
/// HeaderRedaction.redacted(name: "X-Team", value: "payments")                 // "payments"
/// HeaderRedaction.redacted(name: "X-Fyatu-Signature", value: "t=1767225600,v1=9f2c…")
/// // "t=1767225600,v1=[redacted]"
/// HeaderRedaction.redacted(name: "webhook-signature", value: "v1,K5oZ… v1,Xc2…")  // "v1,[redacted] v1,[redacted]"
/// ```
public enum HeaderRedaction {
    /// What stands in for a value that is never shown: `[redacted]`.
    public static let marker = "[redacted]"

    /// Names (lower-cased) whose values are credentials whatever they hold.
    static let credentialNames: Set<String> = ["authorization", "proxy-authorization", "cookie"]
    /// Words that make a name (lower-cased) a credential's when it contains one: `X-Api-Key`, `X-Auth-Token`,
    /// `X-Webhook-Secret`, `X-Partner-Signature`, `Authentication-Info`, `X-Db-Password`, `Set-Cookie`.
    static let credentialWords = ["key", "token", "secret", "signature", "auth", "password", "cookie"]
    /// hookd's own headers whose name holds such a word but whose value is public: `X-Fyatu-Key-Id` names the
    /// Ed25519 key a delivery is signed with (SPEC §15), as listed at the endpoint's `publicKeysUrl`.
    static let publicNames: Set<String> = ["x-fyatu-key-id"]

    /// Whether a header's value is a credential, by its name (compared without regard to case).
    public static func isCredential(name: String) -> Bool {
        let lowered = name.lowercased()
        guard !publicNames.contains(lowered) else { return false }
        return credentialNames.contains(lowered) || credentialWords.contains { lowered.contains($0) }
    }

    /// The value as hookd shows and keeps it: a signature header's scheme and timestamp without the MAC, a
    /// credential's ``marker``, any other value as it is.
    public static func redacted(name: String, value: String) -> String {
        switch name.lowercased() {
        case "x-fyatu-signature":
            // `t=<ts>,v1=<hex>[,v1=<hex>]`: the timestamp stays, each MAC goes.
            return value.split(separator: ",", omittingEmptySubsequences: false).map { part in
                if part.hasPrefix("t=") { return String(part) }
                guard let equals = part.firstIndex(of: "=") else { return marker }
                return part[...equals] + marker
            }.joined(separator: ",")
        case "webhook-signature":
            // `v1,<base64>[ v1,<base64>]` (or `v1a,…`): each entry keeps its version.
            return value.split(separator: " ").map { entry in
                guard let comma = entry.firstIndex(of: ",") else { return marker }
                return entry[...comma] + marker
            }.joined(separator: " ")
        default:
            return isCredential(name: name) ? marker : value
        }
    }

    /// The header with its value redacted.
    public static func redacted(_ header: SentHeader) -> SentHeader {
        SentHeader(name: header.name, value: redacted(name: header.name, value: header.value))
    }

    /// Headers kept as ``SentHeader/lines(_:)`` writes them, each value redacted.
    public static func redacted(lines: String) -> String {
        SentHeader.lines(SentHeader.parse(lines: lines).map(redacted))
    }
}
