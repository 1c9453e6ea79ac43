/// Where, and signed how, a delivery goes: the part of a ``ClaimedDelivery`` that comes from its endpoint and app.
///
/// Read at claim time, and read again just before the attempt (SPEC §13): a delivery claimed ahead of a free slot
/// goes to the URL, with the secret and headers, in force when it is sent.
public struct DeliveryTarget: Sendable, Equatable {
    /// The endpoint's URL.
    public var url: String
    /// The endpoint's sealed secret and its version.
    public var sealedSecret: [UInt8]
    public var secretVersion: Int64
    /// How the body is shaped.
    public var format: Endpoint.Format
    /// The endpoint's custom request headers, sealed; `nil`: none.
    public var sealedHeaders: [UInt8]?
    /// The secret a rotation replaced, and when its overlap ends: until then the delivery is signed by both.
    public var previousSealedSecret: [UInt8]?
    public var previousSecretUntil: UnixMillis?
    /// The app's business id and environment, for the v3.20 body.
    public var businessID: BusinessID
    public var environment: AppEnvironment

    /// A target; unless said otherwise, in the v3 format with no custom headers or previous secret, for a live app.
    public init(
        url: String,
        sealedSecret: [UInt8],
        secretVersion: Int64,
        format: Endpoint.Format = .v3,
        sealedHeaders: [UInt8]? = nil,
        previousSealedSecret: [UInt8]? = nil,
        previousSecretUntil: UnixMillis? = nil,
        businessID: BusinessID = BusinessID(""),
        environment: AppEnvironment = .live
    ) {
        self.url = url
        self.sealedSecret = sealedSecret
        self.secretVersion = secretVersion
        self.format = format
        self.sealedHeaders = sealedHeaders
        self.previousSealedSecret = previousSealedSecret
        self.previousSecretUntil = previousSecretUntil
        self.businessID = businessID
        self.environment = environment
    }
}

/// What an endpoint allows now, as the check just before an attempt reads it (SPEC §13).
public enum EndpointSendingState: Sendable, Equatable {
    /// Deliveries go, to this target.
    case sendable(DeliveryTarget)
    /// Nothing is sent for now, and nothing is failed: the endpoint is disabled or has no URL, or its app is
    /// suspended. Its deliveries wait, pending, until that changes.
    case held
    /// The endpoint was deleted: its deliveries were cancelled with it.
    case gone
}
