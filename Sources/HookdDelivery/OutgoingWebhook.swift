public import HookdCore
public import HookdVerify

/// The exact bytes and headers of one attempt.
public struct OutgoingWebhook: Sendable {
    /// `{"event":…,"version":"3.0","eventId":…,"sign":…,"data":…}`, the stored data bytes spliced in as they are.
    public let body: [UInt8]
    /// Every header of the request, in order.
    public let headers: [(name: String, value: String)]

    /// Signs and assembles an attempt of `event` sent at `timestamp`.
    ///
    /// - Parameters:
    ///   - schemes: The signature schemes to include; a scheme switched off leaves out its field or header.
    public init(
        event: String,
        eventID: String,
        data: [UInt8],
        timestamp: UnixSeconds,
        signer: WebhookSigner,
        schemes: Set<SignatureScheme>,
        userAgent: String
    ) {
        let timestamp = timestamp.rawValue
        var members: [(String, JSONOutput)] = [
            ("event", .string(event)), ("version", .string("3.0")), ("eventId", .string(eventID)),
        ]
        if schemes.contains(.v3) {
            members.append(("sign", .string(signer.v3Sign(data: data))))
        }
        members.append(("data", .raw(data)))
        let body = JSONOutput.object(members).bytes

        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("User-Agent", userAgent),
            (WebhookHeaderName.fyatuEvent, event),
            (WebhookHeaderName.fyatuEventID, eventID),
            (WebhookHeaderName.fyatuTimestamp, String(timestamp)),
        ]
        if schemes.contains(.fyatu) {
            headers.append(
                (WebhookHeaderName.fyatuSignature, signer.fyatuSignatureHeader(timestamp: timestamp, body: body))
            )
        }
        headers.append((WebhookHeaderName.webhookID, eventID))
        headers.append((WebhookHeaderName.webhookTimestamp, String(timestamp)))
        // nil when the secret is not whsec_ + base64 (a secret of another shape): then there is no such header.
        if schemes.contains(.standardWebhooks),
            let signature = signer.standardSignatureHeader(id: eventID, timestamp: timestamp, body: body)
        {
            headers.append((WebhookHeaderName.webhookSignature, signature))
        }
        self.body = body
        self.headers = headers
    }
}
