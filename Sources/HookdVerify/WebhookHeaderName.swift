/// The names of the headers a hookd delivery carries, spelled as hookd sends them.
///
/// Receivers look headers up without regard to case; these constants are for senders and for
/// error messages, so that every part of hookd spells a header the same way.
///
/// ```swift
/// let secret = configuration.webhookSecret  // the app's whsec_… secret, never a literal
/// let signer = try WebhookSigner(secret: secret)
/// let body = Array(#"{"event":"webhook.test","data":{"_test":true}}"#.utf8)
/// let signature = signer.standardSignatureHeader(id: "evt_1", timestamp: 1_767_225_600, body: body)
/// var headers = [
///     WebhookHeaderName.webhookID: "evt_1",
///     WebhookHeaderName.webhookTimestamp: "1767225600",
/// ]
/// headers[WebhookHeaderName.webhookSignature] = signature  // nil (left out) unless whsec_ + base64
/// ```
public enum WebhookHeaderName {
    /// `X-Fyatu-Signature`: `t=<unix seconds>,v1=<64 lowercase hex>`.
    public static let fyatuSignature = "X-Fyatu-Signature"
    /// `X-Fyatu-Timestamp`: the attempt's send time in Unix seconds (informational, not signed on its own).
    public static let fyatuTimestamp = "X-Fyatu-Timestamp"
    /// `X-Fyatu-Event`: the event name, such as `card.funded` (v3) or `CARD_FUNDED` (v3.20).
    public static let fyatuEvent = "X-Fyatu-Event"
    /// `X-Fyatu-Event-ID`: the event's id, the same on every attempt (Fyatu's v3.20 pages spell it
    /// `X-Fyatu-Event-Id`; header names are compared without regard to case).
    public static let fyatuEventID = "X-Fyatu-Event-ID"
    /// `X-Fyatu-Environment`: `LIVE` or `SANDBOX`, on v3.20 deliveries (informational, not signed on its own;
    /// the signed body carries the same value as `environment`).
    public static let fyatuEnvironment = "X-Fyatu-Environment"
    /// `X-Fyatu-Key-Id`: on a delivery to an `ED25519` endpoint, the ``WebhookPublicKey/keyID`` of the key that
    /// signed it (the newest, during a rotation's overlap).
    public static let fyatuKeyID = "X-Fyatu-Key-Id"
    /// `webhook-id`: the Standard Webhooks message id (hookd sends the `eventId`).
    public static let webhookID = "webhook-id"
    /// `webhook-timestamp`: the Standard Webhooks timestamp in Unix seconds.
    public static let webhookTimestamp = "webhook-timestamp"
    /// `webhook-signature`: space-separated `v1,<base64>` entries.
    public static let webhookSignature = "webhook-signature"
}
