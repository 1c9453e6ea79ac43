import Crypto
import HookdVerify

/// Where a delivery stands.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    /// Waiting for its next attempt (or for a URL to be set again).
    case pending = "PENDING"
    /// A 2xx answer was received.
    case succeeded = "SUCCEEDED"
    /// Every allowed attempt failed.
    case failed = "FAILED"
    /// Its endpoint was deleted before it was delivered (SPEC §11): kept in the log, never sent.
    case cancelled = "CANCELLED"
}

/// An event the platform asked hookd to deliver to one app.
public struct NewEvent: Sendable {
    public var appID: String
    /// Lowercase UUID; the `webhook-id` of every attempt.
    public var eventID: String
    /// The event name from the catalogue.
    public var event: String
    /// The payload as compact JSON bytes, fixed for good: signed and spliced as they are.
    public var data: [UInt8]
    /// A test delivery requested with `POST /webhooks/test`.
    public var isTest: Bool
    /// The one endpoint to deliver to (a test delivery); `nil`: every endpoint subscribed to the event (SPEC §11).
    public var endpointID: String?

    public init(
        appID: String,
        eventID: String,
        event: String,
        data: [UInt8],
        isTest: Bool = false,
        endpointID: String? = nil
    ) {
        self.appID = appID
        self.eventID = eventID
        self.event = event
        self.data = data
        self.isTest = isTest
        self.endpointID = endpointID
    }
}

/// One delivery as the log lists it.
public struct DeliverySummary: Sendable, Equatable {
    public var id: String
    public var appID: String
    /// The endpoint it goes to.
    public var endpointID: String
    public var eventID: String
    public var event: String
    public var status: DeliveryStatus
    /// Attempts made so far.
    public var attempts: Int
    /// Attempts allowed in all (the first one and its retries).
    public var attemptsAllowed: Int
    /// When the last attempt started.
    public var lastAttemptAt: UnixMillis?
    /// When the next attempt is due; `nil` once the delivery is final.
    public var nextAttemptAt: UnixMillis?
    /// The status code of the last answer, if there was one.
    public var lastHTTPStatus: Int?
    public var isTest: Bool
    /// When the event was published.
    public var createdAt: UnixMillis

    public init(
        id: String,
        appID: String,
        endpointID: String = "",
        eventID: String,
        event: String,
        status: DeliveryStatus,
        attempts: Int,
        attemptsAllowed: Int,
        lastAttemptAt: UnixMillis?,
        nextAttemptAt: UnixMillis?,
        lastHTTPStatus: Int?,
        isTest: Bool,
        createdAt: UnixMillis
    ) {
        self.id = id
        self.appID = appID
        self.endpointID = endpointID
        self.eventID = eventID
        self.event = event
        self.status = status
        self.attempts = attempts
        self.attemptsAllowed = attemptsAllowed
        self.lastAttemptAt = lastAttemptAt
        self.nextAttemptAt = nextAttemptAt
        self.lastHTTPStatus = lastHTTPStatus
        self.isTest = isTest
        self.createdAt = createdAt
    }
}

/// One attempt of a delivery, as logged.
public struct DeliveryAttempt: Sendable, Equatable {
    /// 1 for the first attempt.
    public var number: Int
    /// When the request started.
    public var startedAt: UnixMillis
    /// How long it took, in whole milliseconds: what the log shows and the store keeps.
    public var latencyMillis: Int64
    /// The answer's status code; `nil` when no answer came.
    public var httpStatus: Int?
    /// What went wrong when no acceptable answer came (timeout, refused, forbidden address…).
    public var error: String?
    /// The first 2 KiB of the answer's body.
    public var responseBody: [UInt8]
    /// The headers the request was sent with, in order, for an attempt that did not succeed; empty for one that
    /// succeeded and for one refused before it was made.
    public var requestHeaders: [SentHeader]

    public init(
        number: Int,
        startedAt: UnixMillis,
        latencyMillis: Int64,
        httpStatus: Int?,
        error: String?,
        responseBody: [UInt8],
        requestHeaders: [SentHeader] = []
    ) {
        self.number = number
        self.startedAt = startedAt
        self.latencyMillis = latencyMillis
        self.httpStatus = httpStatus
        self.error = error
        self.responseBody = responseBody
        self.requestHeaders = requestHeaders
    }
}

/// One header of a request hookd sent.
public struct SentHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// The headers as the store keeps them: one `Name: value` line each (no header hookd sends spans lines).
    public static func lines(_ headers: [SentHeader]) -> String {
        headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// The headers of text written by ``lines(_:)``; a line without `: ` is skipped.
    public static func parse(lines text: String) -> [SentHeader] {
        text.split(separator: "\n").compactMap { line in
            guard let colon = line.firstRange(of: ": ") else { return nil }
            return SentHeader(
                name: String(line[line.startIndex..<colon.lowerBound]),
                value: String(line[colon.upperBound..<line.endIndex])
            )
        }
    }
}

/// A delivery with its payload and every attempt.
public struct DeliveryDetail: Sendable, Equatable {
    public var summary: DeliverySummary
    public var data: [UInt8]
    public var attempts: [DeliveryAttempt]

    public init(summary: DeliverySummary, data: [UInt8], attempts: [DeliveryAttempt]) {
        self.summary = summary
        self.data = data
        self.attempts = attempts
    }
}

/// A due delivery claimed by a dispatcher, with everything needed to send it.
public struct ClaimedDelivery: Sendable {
    public var id: String
    public var appID: String
    public var eventID: String
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
    public var leaseID: String
    /// The endpoint the delivery goes to, and how its body is shaped.
    public var endpointID: String
    public var format: Endpoint.Format
    /// The endpoint's custom request headers, sealed; `nil`: none.
    public var sealedHeaders: [UInt8]?
    /// The secret a rotation replaced, and when its overlap ends: until then the delivery is signed by both.
    public var previousSealedSecret: [UInt8]?
    public var previousSecretUntil: UnixMillis?
    /// The app's business id and environment, for the v3.20 body.
    public var businessID: String
    public var environment: AppEnvironment

    public init(
        id: String,
        appID: String,
        eventID: String,
        event: String,
        data: [UInt8],
        attempts: Int,
        attemptsAllowed: Int,
        url: String,
        sealedSecret: [UInt8],
        secretVersion: Int64,
        leaseID: String,
        endpointID: String,
        format: Endpoint.Format = .v3,
        sealedHeaders: [UInt8]? = nil,
        previousSealedSecret: [UInt8]? = nil,
        previousSecretUntil: UnixMillis? = nil,
        businessID: String = "",
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

/// The result of one attempt and the delivery's next state, written in one statement.
public struct AttemptCompletion: Sendable {
    public var deliveryID: String
    public var leaseID: String
    public var attempt: DeliveryAttempt
    public var status: DeliveryStatus
    /// When the next attempt is due; set when `status` is `.pending`.
    public var nextAttemptAt: UnixMillis?
    public var secretVersion: Int64
    /// Whether the attempt was cut short by hookd itself (shutting down): it is logged, but the receiver keeps
    /// every attempt it is allowed, so the delivery is allowed one more.
    public var allowsAnotherAttempt: Bool
    /// A v3.20 endpoint whose attempts have all failed since before this is disabled (`FAILING`, SPEC §11);
    /// `nil`: sustained failure disables nothing.
    public var endpointFailingLimit: UnixMillis?
    /// Attempts allowed to the `webhook.endpoint.disabled` deliveries this attempt may cause (to v3.20 endpoints).
    public var noticeAttemptsAllowed: Int

    public init(
        deliveryID: String,
        leaseID: String,
        attempt: DeliveryAttempt,
        status: DeliveryStatus,
        nextAttemptAt: UnixMillis?,
        secretVersion: Int64,
        allowsAnotherAttempt: Bool = false,
        endpointFailingLimit: UnixMillis? = nil,
        noticeAttemptsAllowed: Int = 1
    ) {
        self.deliveryID = deliveryID
        self.leaseID = leaseID
        self.attempt = attempt
        self.status = status
        self.nextAttemptAt = nextAttemptAt
        self.secretVersion = secretVersion
        self.allowsAnotherAttempt = allowsAnotherAttempt
        self.endpointFailingLimit = endpointFailingLimit
        self.noticeAttemptsAllowed = noticeAttemptsAllowed
    }
}

extension Identifiers {
    /// A new delivery identifier: `dlv_` and 24 lowercase hexadecimal digits.
    public static func deliveryID() -> String {
        "dlv_" + RandomString.make(count: 24, from: RandomString.lowercaseHex)
    }

    /// A new lease identifier for a claim.
    public static func leaseID() -> String {
        RandomString.make(count: 24, from: RandomString.lowercaseHex)
    }

    /// A new event identifier: a random (version 4) UUID in lowercase.
    public static func eventID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return uuidText(bytes)
    }

    /// The event id that an `Idempotency-Key` stands for: SHA-256 of the app and the key, shaped as a lowercase
    /// version 4 UUID, so the same key of the same app always gives the same event.
    public static func eventID(appID: String, idempotencyKey: String) -> String {
        var bytes = Array(
            SHA256.hash(data: Array("hookd-idempotency-key\u{0}\(appID)\u{0}\(idempotencyKey)".utf8)).prefix(16)
        )
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return uuidText(bytes)
    }

    /// Sixteen bytes written as a lowercase 8-4-4-4-12 UUID.
    private static func uuidText(_ bytes: [UInt8]) -> String {
        let hex = Array(Hex.encode(bytes))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
    }

    /// The event id as stored (lowercase) when `value` is a UUID in its usual 8-4-4-4-12 form; `nil` otherwise.
    public static func normalizedEventID(_ value: String) -> String? {
        let lowered = value.lowercased()
        let groups = lowered.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12],
            groups.allSatisfy({ $0.utf8.allSatisfy { RandomString.lowercaseHex.contains($0) } })
        else { return nil }
        return lowered
    }
}
