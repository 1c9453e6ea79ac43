/// Where the operator's copies of the operational events go (SPEC §14, `--operator-webhook-url`).
///
/// The operator's webhook is kept as an endpoint of a reserved app, so its deliveries are stored, claimed, signed
/// (Standard Webhooks, with the server's operator secret), retried and logged like any other; the reserved app is
/// never listed, never given tokens or portal links, and never itself the subject of a notice.
public enum OperatorWebhook {
    /// The reserved app that holds the operator's webhook. Generated app ids are random, so none is this one.
    public static let appID = AppID("OPERATOR00000000")
    /// The operator's webhook endpoint.
    public static let endpointID = EndpointID("whk_OPERATOR000000000000")
}
