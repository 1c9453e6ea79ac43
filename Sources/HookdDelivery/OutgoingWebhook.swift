public import HookdCore
public import HookdVerify

/// The exact bytes and headers of one attempt.
public struct OutgoingWebhook: Sendable {
    /// The v3 or v3.20 JSON body, the stored data bytes spliced in as they are.
    public let body: [UInt8]
    /// Every header of the request, in order.
    public let headers: [(name: String, value: String)]

    /// Signs and assembles an attempt of `event` sent at `timestamp` to a v3 URL, with one secret.
    public init(
        event: String,
        eventID: EventID,
        data: [UInt8],
        timestamp: UnixSeconds,
        signer: WebhookSigner,
        schemes: Set<SignatureScheme>,
        userAgent: String
    ) {
        self.init(
            event: event,
            eventID: eventID,
            data: data,
            timestamp: timestamp,
            signers: [signer],
            schemes: schemes,
            userAgent: userAgent,
            endpoint: .v3
        )
    }

    /// What shapes a delivery to one endpoint beyond its event: the format, and for v3.20 the app and the headers.
    public struct EndpointShape: Sendable {
        public var format: Endpoint.Format
        public var businessID: BusinessID
        public var environment: AppEnvironment
        public var headers: EndpointHeaders

        /// A v3 URL: the v3 body, no custom header.
        public static let v3 = EndpointShape(
            format: .v3,
            businessID: BusinessID(""),
            environment: .live,
            headers: .none
        )
    }

    /// Signs and assembles an attempt of `event` sent at `timestamp` to an endpoint.
    ///
    /// - Parameters:
    ///   - signers: The endpoint's secret first, then the one a rotation replaced while the overlap lasts: each
    ///     header scheme carries a signature by every one (SPEC §11); the v3 `sign` field, by the first alone.
    ///   - schemes: The signature schemes to include; a scheme switched off leaves out its field or header.
    ///   - endpoint: The v3 body (SPEC §5.1) or the v3.20 body (SPEC §11) with `X-Fyatu-Environment`, and the
    ///     endpoint's custom headers after hookd's own.
    public init(
        event: String,
        eventID: EventID,
        data: [UInt8],
        timestamp: UnixSeconds,
        signers: [WebhookSigner],
        schemes: Set<SignatureScheme>,
        userAgent: String,
        endpoint: EndpointShape
    ) {
        self.init(
            event: event,
            eventID: eventID,
            data: data,
            timestamp: timestamp,
            signing: .hmac(signers),
            schemes: schemes,
            userAgent: userAgent,
            endpoint: endpoint
        )
    }

    /// Signs and assembles an attempt of `event` sent at `timestamp` to an endpoint, with its HMAC secrets or its
    /// Ed25519 keys.
    ///
    /// - Parameters:
    ///   - signing: The endpoint's secrets (as `signers` above), or its Ed25519 keys (SPEC §15): then the delivery
    ///     carries `webhook-signature` with a `v1a` entry by each key and `X-Fyatu-Key-Id` naming the first, and no
    ///     HMAC at all, whatever `schemes` says (the keys are the endpoint's only way to be checked).
    ///   - schemes: The HMAC signature schemes to include.
    public init(
        event: String,
        eventID: EventID,
        data: [UInt8],
        timestamp: UnixSeconds,
        signing: DeliverySigning,
        schemes: Set<SignatureScheme>,
        userAgent: String,
        endpoint: EndpointShape
    ) {
        let signers: [WebhookSigner]
        let keys: [WebhookSigningKey]
        switch signing {
        case .hmac(let secrets): (signers, keys) = (secrets, [])
        case .ed25519(let privateKeys): (signers, keys) = ([], privateKeys)
        }
        let eventID = eventID.rawValue
        let seconds = timestamp.rawValue
        let body: [UInt8]
        let eventName: String
        switch endpoint.format {
        case .v3:
            eventName = event
            var members: [(String, JSONOutput)] = [
                ("event", .string(event)), ("version", .string("3.0")), ("eventId", .string(eventID)),
            ]
            if schemes.contains(.v3), let signer = signers.first {
                members.append(("sign", .string(signer.v3Sign(data: data))))
            }
            members.append(("data", .raw(data)))
            body = JSONOutput.object(members).bytes
        case .v3_20:
            eventName = EventName.v320Name(event)
            body =
                JSONOutput.object([
                    ("event", .string(eventName)), ("eventId", .string(eventID)),
                    ("businessId", .string(endpoint.businessID.rawValue)),
                    ("environment", .string(endpoint.environment.rawValue)),
                    ("timestamp", .string(Timestamp.iso8601Zulu(timestamp))), ("data", .raw(data)),
                ]).bytes
        }

        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("User-Agent", userAgent),
            (WebhookHeaderName.fyatuEvent, eventName),
            (WebhookHeaderName.fyatuEventID, eventID),
            (WebhookHeaderName.fyatuTimestamp, String(seconds)),
        ]
        if endpoint.format == .v3_20 {
            headers.append((WebhookHeaderName.fyatuEnvironment, endpoint.environment.rawValue))
        }
        if schemes.contains(.fyatu),
            let signature = WebhookSigner.fyatuSignatureHeader(signers: signers, timestamp: seconds, body: body)
        {
            headers.append((WebhookHeaderName.fyatuSignature, signature))
        }
        if let key = keys.first { headers.append((WebhookHeaderName.fyatuKeyID, key.publicKey.keyID)) }
        headers.append((WebhookHeaderName.webhookID, eventID))
        headers.append((WebhookHeaderName.webhookTimestamp, String(seconds)))
        if let signature = WebhookSigningKey.standardSignatureHeader(
            keys: keys,
            id: eventID,
            timestamp: seconds,
            body: body
        ) {
            headers.append((WebhookHeaderName.webhookSignature, signature))
        }
        // nil when no secret is whsec_ + base64 (secrets of another shape): then there is no such header.
        if schemes.contains(.standardWebhooks),
            let signature = WebhookSigner.standardSignatureHeader(
                signers: signers,
                id: eventID,
                timestamp: seconds,
                body: body
            )
        {
            headers.append((WebhookHeaderName.webhookSignature, signature))
        }
        headers += endpoint.headers.fields.map { ($0.name, $0.value) }
        self.body = body
        self.headers = headers
    }
}
