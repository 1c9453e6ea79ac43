public import HookdCore
public import HookdStore
import Synchronization

/// Publishes events for delivery: the platform side of hookd (SPEC §5.4), as a library call.
///
/// The event is durably stored with its pending delivery before ``publish(appID:event:data:eventID:)`` returns;
/// then the dispatcher is woken. Publishes that arrive while another is being stored share its next transaction. Publishing the same `eventID` again for the same app changes nothing.
public struct EventPublisher: Sendable {
    /// The largest `data` accepted, in bytes of compact JSON (64 KiB).
    public static let maximumDataSize = 64 * 1024

    let store: any DeliveryQueue & AppStore
    let clock: any WallClock
    let signal: DispatchSignal?
    let attemptsAllowed: AttemptsAllowed
    /// Publishes arriving together are stored in one transaction (group commit); each is answered once stored.
    let batcher: BatchingWriter<NewEvent, PublishOutcome>
    /// Each app's type, once read: an app is never deleted and its type never changes, so a publish need not read
    /// the app again. (A suspended app's events are still accepted, and held until it is active again: SPEC §13.)
    let appTypes = AppTypeCache()

    /// - Parameters:
    ///   - signal: Wakes a dispatcher in this process; `nil` when none runs here (it will poll).
    ///   - attemptsAllowed: Attempts each new delivery gets (the first and its retries), by kind of endpoint.
    public init(
        store: any DeliveryQueue & AppStore,
        clock: any WallClock,
        signal: DispatchSignal?,
        attemptsAllowed: AttemptsAllowed
    ) {
        self.store = store
        self.clock = clock
        self.signal = signal
        self.attemptsAllowed = attemptsAllowed
        self.batcher = BatchingWriter(maximumBatch: 256) { events in
            try await store.publishAll(events, attemptsAllowed: attemptsAllowed, now: clock.unixMillis)
        }
    }

    /// The writer whose task stores events, for shutdown to wait for (``BatchingWriters``).
    public var writers: [any DrainableWriter] { [batcher] }

    /// What a publish did.
    public struct Receipt: Sendable, Equatable {
        /// The event's id (given, or generated).
        public let eventID: EventID
        /// The delivery created for it (or the one created by the first publish).
        public let deliveryID: DeliveryID
        /// `false` when the event had been published before and this call changed nothing.
        public let created: Bool
    }

    /// Validates and stores an event for `appID`.
    ///
    /// - Parameters:
    ///   - data: The payload: a JSON object, in any formatting; it is stored compact, numbers as written.
    ///   - eventID: A UUID to make the publish idempotent; generated when `nil`.
    /// - Throws: ``PublishError`` for an unknown app, an event outside its catalogue, bad data or a bad id;
    ///   the store's error when the event could not be stored (then nothing was stored, and the caller may retry).
    public func publish(
        appID: AppID,
        event: String,
        data: some Collection<UInt8>,
        eventID: String?
    ) async throws -> Receipt {
        let compactData = Result { () throws(CompactJSONError) in try CompactJSON.normalizeObject(data) }
        return try await publish(appID: appID, event: event, compactData: compactData, eventID: eventID)
    }

    /// Validates and stores an event for `appID` whose `data` was rewritten by `CompactJSON` as it was read.
    ///
    /// ``publish(appID:event:data:eventID:)`` for a caller that has read the payload already (the publish route
    /// reads the request body once, `data` included), so the bytes are not read again.
    ///
    /// - Parameters:
    ///   - compactData: `data` as `CompactJSON` rewrote it, or why it refused it (reported as `PublishError`).
    ///   - eventID: A UUID to make the publish idempotent; generated when `nil`.
    ///   - traceParent: The publish span's context, kept with the event for its attempts' spans; `nil` when
    ///     telemetry is off.
    ///   - orderingKey: The key whose order KEYED endpoints keep (SPEC §15); `nil`: none.
    /// - Throws: As ``publish(appID:event:data:eventID:)``.
    public func publish(
        appID: AppID,
        event: String,
        compactData: Result<[UInt8], CompactJSONError>,
        eventID: String?,
        traceParent: TraceParent? = nil,
        orderingKey: OrderingKey? = nil
    ) async throws -> Receipt {
        let normalizedID: EventID
        if let eventID {
            guard let valid = Identifiers.normalizedEventID(eventID) else { throw PublishError.invalidEventID }
            normalizedID = valid
        } else {
            normalizedID = Identifiers.eventID()
        }
        let compact: [UInt8]
        switch compactData {
        case .success(let bytes): compact = bytes
        case .failure(let error): throw PublishError.invalidData(error.description)
        }
        guard compact.count <= Self.maximumDataSize else { throw PublishError.dataTooLarge }
        guard let appType = try await appType(appID) else { throw PublishError.unknownApp }
        // Stored under one name whatever the spelling, so one publish reaches the v3 URL and the v3.20 endpoints.
        guard let stored = EventName.catalogueName(event, for: appType),
            EventCatalogue.isPublishable(stored, for: appType)
        else { throw PublishError.invalidEventType(event) }
        return try await record(
            NewEvent(
                appID: appID,
                eventID: normalizedID,
                event: stored,
                data: compact,
                traceParent: traceParent,
                orderingKey: orderingKey
            )
        )
    }

    private func appType(_ appID: AppID) async throws -> AppType? {
        if let known = appTypes[appID] {
            return known
        }
        guard let app = try await store.app(id: appID) else { return nil }
        appTypes[appID] = app.type
        return app.type
    }

    /// Stores an already validated event and wakes the dispatcher.
    func record(_ event: NewEvent) async throws -> Receipt {
        let (deliveryID, created) = try await batcher.submit(event)
        if created { signal?.wake() }
        return Receipt(eventID: event.eventID, deliveryID: deliveryID, created: created)
    }
}

/// Why an event was not accepted. Messages are safe to return to the publisher.
public struct PublishError: Error, Equatable, CustomStringConvertible {
    private enum Reason: Equatable {
        case unknownApp
        case invalidEventType(String)
        case invalidData(String)
        case dataTooLarge
        case invalidEventID
    }

    private let reason: Reason

    /// No app has this id.
    public static let unknownApp = PublishError(reason: .unknownApp)
    /// The event is not in the app's catalogue.
    public static func invalidEventType(_ name: String) -> PublishError {
        PublishError(reason: .invalidEventType(name))
    }
    /// `data` is not a JSON object.
    public static func invalidData(_ why: String) -> PublishError { PublishError(reason: .invalidData(why)) }
    /// `data` is over 64 KiB.
    public static let dataTooLarge = PublishError(reason: .dataTooLarge)
    /// `eventId` is not a UUID.
    public static let invalidEventID = PublishError(reason: .invalidEventID)

    /// Whether this is an unknown app.
    public var isUnknownApp: Bool { reason == .unknownApp }
    /// Whether this is an event outside the catalogue.
    public var isInvalidEventType: Bool { if case .invalidEventType = reason { true } else { false } }
    /// The field the error is about, for validation errors.
    public var field: String? {
        switch reason {
        case .invalidData, .dataTooLarge: "data"
        case .invalidEventID: "eventId"
        case .unknownApp: "appId"
        case .invalidEventType: "event"
        }
    }

    public var description: String {
        switch reason {
        case .unknownApp: "no app has this id"
        case .invalidEventType(let name): "\(name) is not an event of this app's catalogue"
        case .invalidData(let why): "must be a JSON object (\(why))"
        case .dataTooLarge: "must be at most \(EventPublisher.maximumDataSize) bytes of compact JSON"
        case .invalidEventID: "must be a UUID such as 3f2b8c1e-5d4a-4b6f-9e7d-1a2b3c4d5e6f"
        }
    }
}

/// App types by app id, for ``EventPublisher``; forgets everything when it reaches its size limit.
final class AppTypeCache: Sendable {
    private let types = Mutex<[AppID: AppType]>([:])
    private let limit = 10_000

    subscript(appID: AppID) -> AppType? {
        get { types.withLock { $0[appID] } }
        set {
            types.withLock { types in
                if types.count >= limit { types.removeAll(keepingCapacity: true) }
                types[appID] = newValue
            }
        }
    }
}
