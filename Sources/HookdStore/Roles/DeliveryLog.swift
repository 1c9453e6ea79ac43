public import HookdCore

/// Each app's deliveries as its log shows them, and the manual retry of one.
///
/// "Not found" is `nil`; every method takes the app's `appID`, so no query can reach another tenant's rows.
public protocol DeliveryLog: Sendable {
    /// A page of the app's deliveries (to one endpoint, or to all), newest first, with the total that match;
    /// `eventID` finds the deliveries of one event.
    func deliveries(
        appID: String,
        endpointID: String?,
        status: DeliveryStatus?,
        event: String?,
        eventID: String?,
        limit: Int,
        offset: Int
    ) async throws -> (items: [DeliverySummary], total: Int)

    /// One of the app's deliveries with its payload and attempts.
    func delivery(appID: String, id: String) async throws -> DeliveryDetail?

    /// Makes one of the app's deliveries due now, allowing it one more attempt, unless it has been requeued
    /// `maximumManualRetries` times already.
    func requeueDelivery(
        appID: String,
        id: String,
        now: UnixMillis,
        maximumManualRetries: Int
    ) async throws -> RequeueOutcome
}

/// What ``DeliveryLog/requeueDelivery(appID:id:now:maximumManualRetries:)`` did.
public enum RequeueOutcome: Sendable, Equatable {
    /// Due now: the delivery after the change.
    case requeued(DeliverySummary)
    /// It has been requeued as many times as allowed; nothing changed.
    case limitReached
    /// The app has no such delivery.
    case notFound
}

extension DeliveryLog {
    /// A page of the app's deliveries to every endpoint, newest first, with the total that match.
    public func deliveries(
        appID: String,
        status: DeliveryStatus?,
        event: String?,
        limit: Int,
        offset: Int
    ) async throws -> (items: [DeliverySummary], total: Int) {
        try await deliveries(
            appID: appID,
            endpointID: nil,
            status: status,
            event: event,
            eventID: nil,
            limit: limit,
            offset: offset
        )
    }
}
