/// Every role hookd's store plays, as one protocol with one implementation per database: ``SQLiteStore`` and
/// ``PostgresStore`` conform to it, and one contract suite runs every role on both.
///
/// A component takes only the roles it uses (``DeliveryQueue``, ``RateLimitStore``, …), so a test of it needs only
/// those; what wires the server together holds the whole store.
///
/// "Not found" is `nil`; real failures throw. Every method that touches an app's data takes its `appID`,
/// so no query can reach another tenant's rows.
public protocol Store: AppStore, WebhookConfigurationStore, EndpointStore, TokenRevocationStore, RateLimitStore,
    SealedValueStore, DeliveryQueue,
    DeliveryLog, RetentionStore, ServiceOverview, HealthProbe
{}
