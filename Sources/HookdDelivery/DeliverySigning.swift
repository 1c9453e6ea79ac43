public import HookdVerify

/// What signs an attempt: an endpoint's HMAC secrets or its Ed25519 keys (SPEC §11, §15).
///
/// Either holds the endpoint's current key first, then the one a rotation replaced while the overlap lasts.
public enum DeliverySigning: Sendable {
    /// `whsec_` secrets: the v3 `sign`, `X-Fyatu-Signature` and `webhook-signature` `v1` entries.
    case hmac([WebhookSigner])
    /// Ed25519 private keys: `webhook-signature` `v1a` entries and `X-Fyatu-Key-Id`, no HMAC.
    case ed25519([WebhookSigningKey])
}
