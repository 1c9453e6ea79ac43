public import HookdCore

/// Each app's deliveries as its log shows them, and the manual retry of one.
///
/// "Not found" is `nil`; every method takes the app's `appID`, so no query can reach another tenant's rows.
public protocol DeliveryLog: Sendable {
    /// A page of the app's deliveries that match `filter`, newest first.
    ///
    /// The page is read by keyset when `position` is a cursor (the cost does not grow with how far in the log it
    /// is) and by offset otherwise; `hasMore` comes from reading one row past the page, never from a count.
    /// - Parameters:
    ///   - limit: The most deliveries on the page.
    ///   - position: Where the page begins: an offset from the newest, or just after a delivery of an earlier page.
    ///   - countingUpTo: Count the deliveries that match, stopping at this many (the count's cost is bounded by
    ///     it); `nil` counts nothing.
    func deliveryPage(
        appID: AppID,
        filter: DeliveryFilter,
        limit: Int,
        from position: DeliveryLogPosition,
        countingUpTo: Int?
    ) async throws -> DeliveryPage

    /// One of the app's deliveries with its payload and attempts.
    func delivery(appID: AppID, id: DeliveryID) async throws -> DeliveryDetail?

    /// Makes one of the app's deliveries due now, allowing it one more attempt, unless it has been requeued
    /// `maximumManualRetries` times already.
    func requeueDelivery(
        appID: AppID,
        id: DeliveryID,
        now: UnixMillis,
        maximumManualRetries: Int
    ) async throws -> RequeueOutcome
}

/// Which of an app's deliveries a page of its log shows; `nil` members match everything.
public struct DeliveryFilter: Sendable, Equatable {
    public var endpointID: EndpointID?
    public var status: DeliveryStatus?
    /// A catalogue name.
    public var event: String?
    /// The deliveries of one event.
    public var eventID: EventID?

    public init(
        endpointID: EndpointID? = nil,
        status: DeliveryStatus? = nil,
        event: String? = nil,
        eventID: EventID? = nil
    ) {
        self.endpointID = endpointID
        self.status = status
        self.event = event
        self.eventID = eventID
    }
}

/// A delivery's place in the log's order (newest first): its creation time, then the order the store wrote it in.
///
/// Rows written after a cursor was handed out sort before it (they are newer), so walking the log by cursors
/// meets every older delivery once, however many arrive meanwhile.
public struct DeliveryCursor: Sendable, Hashable {
    public var createdAt: UnixMillis
    /// The store's own sequence of the row (SQLite's `rowid`, PostgreSQL's `seq`); meaningful only beside `createdAt`.
    public var sequence: Int64

    public init(createdAt: UnixMillis, sequence: Int64) {
        self.createdAt = createdAt
        self.sequence = sequence
    }
}

/// Where a page of the log begins.
public enum DeliveryLogPosition: Sendable, Equatable {
    /// This many deliveries after the newest.
    case offset(Int)
    /// Just after the delivery at this cursor.
    case after(DeliveryCursor)
}

/// One page of an app's delivery log.
public struct DeliveryPage: Sendable {
    public var items: [DeliverySummary]
    /// Whether the log has more deliveries after this page.
    public var hasMore: Bool
    /// The place of the page's last delivery, from which the next page begins; `nil` when the page is empty.
    public var next: DeliveryCursor?
    /// How many deliveries match, counted up to the limit asked for; `nil` when no count was asked for.
    public var total: Int?

    public init(items: [DeliverySummary], hasMore: Bool, next: DeliveryCursor?, total: Int?) {
        self.items = items
        self.hasMore = hasMore
        self.next = next
        self.total = total
    }
}

extension DeliveryPage {
    /// The page of the first `limit` of `rows`, which a store reads one row past the page: that row, when it is
    /// there, says the log has more.
    ///
    /// - Parameters:
    ///   - rows: At most `limit + 1` rows, in the log's order.
    ///   - limit: The page's size.
    ///   - total: The count to report, if one was asked for.
    ///   - summary: The delivery a row holds.
    ///   - cursor: A row's place in the log's order.
    init<Row>(
        rows: [Row],
        limit: Int,
        total: Int?,
        summary: (Row) throws -> DeliverySummary,
        cursor: (Row) throws -> DeliveryCursor
    ) rethrows {
        let page = rows.prefix(limit)
        self.init(
            items: try page.map(summary),
            hasMore: rows.count > limit,
            next: try page.last.map(cursor),
            total: total
        )
    }
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
    /// A page of the app's deliveries (to one endpoint, or to all) by offset, newest first, with the exact number
    /// that match; `eventID` finds the deliveries of one event.
    ///
    /// The count reads every match: for the operator's tools and tests, not for the API's lists.
    public func deliveries(
        appID: AppID,
        endpointID: EndpointID?,
        status: DeliveryStatus?,
        event: String?,
        eventID: EventID?,
        limit: Int,
        offset: Int
    ) async throws -> (items: [DeliverySummary], total: Int) {
        let page = try await deliveryPage(
            appID: appID,
            filter: DeliveryFilter(endpointID: endpointID, status: status, event: event, eventID: eventID),
            limit: limit,
            from: .offset(offset),
            countingUpTo: Int(Int64.max)
        )
        return (page.items, page.total ?? 0)
    }

    /// A page of the app's deliveries to every endpoint by offset, newest first, with the exact number that match.
    public func deliveries(
        appID: AppID,
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
