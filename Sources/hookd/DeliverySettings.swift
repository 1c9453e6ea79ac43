import HookdDelivery
import HookdVerify

/// Reads the delivery options of `hookd serve` and their environment twins.
enum DeliverySettings {
    static func resolve(
        retrySchedule: String?,
        timeout: Double?,
        maxInFlight: Int?,
        maxInFlightPerApp: Int?,
        schemes: String?,
        leaseDuration: Double?
    ) throws -> DeliveryConfiguration {
        var configuration = try resolve(
            retrySchedule: retrySchedule,
            timeout: timeout,
            maxInFlight: maxInFlight,
            schemes: schemes
        )
        if let limit = try maxInFlightPerApp ?? Environment.int("HOOKD_MAX_IN_FLIGHT_PER_APP") {
            guard (1...10_000).contains(limit) else {
                throw CommandFailure("--max-in-flight-per-app must be from 1 to 10000")
            }
            configuration.maximumInFlightPerApp = limit
        }
        if let seconds = try leaseDuration ?? Environment.double("HOOKD_LEASE_DURATION") {
            guard seconds >= 1, seconds <= 3600 else {
                throw CommandFailure("--lease-duration must be from 1 to 3600 seconds")
            }
            configuration.leaseDuration = .seconds(seconds)
        }
        return configuration
    }

    private static func resolve(
        retrySchedule: String?,
        timeout: Double?,
        maxInFlight: Int?,
        schemes: String?
    ) throws -> DeliveryConfiguration {
        var configuration = DeliveryConfiguration()
        if let text = retrySchedule ?? Environment.string("HOOKD_RETRY_SCHEDULE") {
            let steps = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !steps.isEmpty, steps.allSatisfy({ ($0 ?? -1) > 0 }) else {
                throw CommandFailure("--retry-schedule must list positive seconds, e.g. 60,300,1800")
            }
            configuration.retrySchedule = steps.map { .seconds($0!) }
        }
        if let seconds = try timeout ?? Environment.double("HOOKD_DELIVERY_TIMEOUT") {
            guard seconds > 0, seconds <= 300 else {
                throw CommandFailure("--delivery-timeout must be from 0 to 300 seconds")
            }
            configuration.timeout = .seconds(seconds)
        }
        if let limit = try maxInFlight ?? Environment.int("HOOKD_MAX_IN_FLIGHT") {
            guard (1...10_000).contains(limit) else { throw CommandFailure("--max-in-flight must be from 1 to 10000") }
            configuration.maximumInFlight = limit
            configuration.claimBatchSize = min(configuration.claimBatchSize, limit)
        }
        if let text = schemes ?? Environment.string("HOOKD_SIGNATURE_SCHEMES") {
            let parsed = text.split(separator: ",").map {
                SignatureScheme(rawValue: $0.trimmingCharacters(in: .whitespaces))
            }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                throw CommandFailure("--signature-schemes must list v3, x-fyatu-signature and/or standard-webhooks")
            }
            configuration.signatureSchemes = Set(parsed.compactMap { $0 })
        }
        return configuration
    }
}
