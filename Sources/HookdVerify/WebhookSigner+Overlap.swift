extension WebhookSigner {
    /// Computes an `X-Fyatu-Signature` header value signed by several secrets at once.
    ///
    /// During a secret rotation's overlap window a delivery carries one `v1=` entry per secret, so a receiver
    /// that holds either secret finds a match: `t=<ts>,v1=<by the first signer>,v1=<by the second>`. The
    /// entries are in the order of `signers`. The v3 `sign` body field is never doubled: it stays with one
    /// secret (``v3Sign(data:)``).
    ///
    /// ```swift
    /// let signers = [try WebhookSigner(secret: newSecret), try WebhookSigner(secret: oldSecret)]
    /// let fyatu = WebhookSigner.fyatuSignatureHeader(signers: signers, timestamp: 1_767_225_600, body: body)
    /// // "t=1767225600,v1=<by newSecret>,v1=<by oldSecret>"
    /// ```
    ///
    /// - Parameters:
    ///   - signers: The signers of the secrets in force, usually the new one and the old one.
    ///   - timestamp: The attempt's send time in Unix seconds.
    ///   - body: The exact body bytes.
    /// - Returns: `t=<timestamp>` followed by one `,v1=<64 lowercase hex>` per signer, or `nil` when `signers`
    ///   is empty. With one signer it is ``fyatuSignatureHeader(timestamp:body:)``.
    public static func fyatuSignatureHeader(
        signers: [WebhookSigner],
        timestamp: Int64,
        body: some Collection<UInt8>
    ) -> String? {
        guard !signers.isEmpty else { return nil }
        let entries = signers.map { $0.fyatuEntry(timestamp: timestamp, body: body) }
        return (["t=\(timestamp)"] + entries).joined(separator: ",")
    }

    /// Computes a Standard Webhooks `webhook-signature` header value signed by several secrets at once.
    ///
    /// During a secret rotation's overlap window a delivery carries one space-separated `v1,` entry per secret,
    /// as the Standard Webhooks specification allows, so a receiver that holds either secret finds a match.
    /// The entries are in the order of `signers`; a signer whose secret cannot serve Standard Webhooks (see
    /// ``supportedSchemes``) adds none.
    ///
    /// ```swift
    /// let standard = WebhookSigner.standardSignatureHeader(
    ///     signers: signers,
    ///     id: "evt_1",
    ///     timestamp: 1_767_225_600,
    ///     body: body
    /// )  // "v1,<by newSecret> v1,<by oldSecret>"
    /// ```
    ///
    /// - Parameters:
    ///   - signers: The signers of the secrets in force, usually the new one and the old one.
    ///   - id: The `webhook-id` header value (hookd sends the `eventId`).
    ///   - timestamp: The `webhook-timestamp` header value, the attempt's send time in Unix seconds.
    ///   - body: The exact body bytes.
    /// - Returns: The `v1,<base64>` entries joined by single spaces, or `nil` when no signer can serve
    ///   Standard Webhooks (then the delivery goes without `webhook-signature`).
    public static func standardSignatureHeader(
        signers: [WebhookSigner],
        id: String,
        timestamp: Int64,
        body: some Collection<UInt8>
    ) -> String? {
        let entries = signers.compactMap { $0.standardSignatureHeader(id: id, timestamp: timestamp, body: body) }
        return entries.isEmpty ? nil : entries.joined(separator: " ")
    }
}
