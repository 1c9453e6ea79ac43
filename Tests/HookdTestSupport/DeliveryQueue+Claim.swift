package import HookdCore
package import HookdStore

extension ClaimCaps {
    /// Caps no test's claims reach: 100 leases per app and per endpoint.
    package static let unreached = ClaimCaps(perApp: 100, perEndpoint: 100)

    /// `cap` leases per app and per endpoint alike.
    package static func each(_ cap: Int) -> ClaimCaps { ClaimCaps(perApp: cap, perEndpoint: cap) }
}

extension DeliveryQueue {
    /// ``DeliveryQueue/claimDueDeliveries(limit:caps:now:leaseUntil:)`` in one line: up to `limit` deliveries due at
    /// `now`, under `caps`, leased until `until` (by default, a minute after `now`).
    package func claim(
        _ limit: Int,
        caps: ClaimCaps = .unreached,
        at now: UnixMillis,
        until leaseUntil: UnixMillis? = nil
    ) async throws -> [ClaimedDelivery] {
        try await claimDueDeliveries(limit: limit, caps: caps, now: now, leaseUntil: leaseUntil ?? now + .seconds(60))
    }
}
