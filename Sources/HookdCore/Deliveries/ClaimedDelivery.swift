/// A due delivery claimed by a dispatcher, with everything needed to send it.
public struct ClaimedDelivery: Sendable {
    public var id: DeliveryID
    public var appID: AppID
    public var eventID: EventID
    public var event: String
    public var data: [UInt8]
    /// Attempts made before this one.
    public var attempts: Int
    public var attemptsAllowed: Int
    /// The endpoint's URL at claim time.
    public var url: String
    /// The endpoint's sealed secret and its version at claim time.
    public var sealedSecret: [UInt8]
    public var secretVersion: Int64
    /// Proves this claim is still the current one when the attempt is recorded.
    public var leaseID: LeaseID
    /// The endpoint the delivery goes to, and how its body is shaped.
    public var endpointID: EndpointID
    public var format: Endpoint.Format
    /// The endpoint's custom request headers, sealed; `nil`: none.
    public var sealedHeaders: [UInt8]?
    /// The secret a rotation replaced, and when its overlap ends: until then the delivery is signed by both.
    public var previousSealedSecret: [UInt8]?
    public var previousSecretUntil: UnixMillis?
    /// The app's business id and environment, for the v3.20 body.
    public var businessID: BusinessID
    public var environment: AppEnvironment

    public init(
        id: DeliveryID,
        appID: AppID,
        eventID: EventID,
        event: String,
        data: [UInt8],
        attempts: Int,
        attemptsAllowed: Int,
        url: String,
        sealedSecret: [UInt8],
        secretVersion: Int64,
        leaseID: LeaseID,
        endpointID: EndpointID,
        format: Endpoint.Format = .v3,
        sealedHeaders: [UInt8]? = nil,
        previousSealedSecret: [UInt8]? = nil,
        previousSecretUntil: UnixMillis? = nil,
        businessID: BusinessID = BusinessID(""),
        environment: AppEnvironment = .live
    ) {
        self.id = id
        self.appID = appID
        self.eventID = eventID
        self.event = event
        self.data = data
        self.attempts = attempts
        self.attemptsAllowed = attemptsAllowed
        self.url = url
        self.sealedSecret = sealedSecret
        self.secretVersion = secretVersion
        self.leaseID = leaseID
        self.endpointID = endpointID
        self.format = format
        self.sealedHeaders = sealedHeaders
        self.previousSealedSecret = previousSealedSecret
        self.previousSecretUntil = previousSecretUntil
        self.businessID = businessID
        self.environment = environment
    }
}
