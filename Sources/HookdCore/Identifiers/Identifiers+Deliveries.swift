import Crypto
import HookdVerify

extension Identifiers {
    /// A new delivery identifier: `dlv_` and 24 lowercase hexadecimal digits.
    public static func deliveryID() -> DeliveryID {
        DeliveryID("dlv_" + RandomString.make(count: 24, from: RandomString.lowercaseHex))
    }

    /// A new lease identifier for a claim.
    public static func leaseID() -> LeaseID {
        LeaseID(RandomString.make(count: 24, from: RandomString.lowercaseHex))
    }

    /// A new dispatcher identifier: `dsp_` and 24 lowercase hexadecimal digits.
    public static func dispatcherID() -> DispatcherID {
        DispatcherID("dsp_" + RandomString.make(count: 24, from: RandomString.lowercaseHex))
    }

    /// A new event identifier: a random (version 4) UUID in lowercase.
    public static func eventID() -> EventID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return uuidText(bytes)
    }

    /// The event id that an `Idempotency-Key` stands for: SHA-256 of the app and the key, shaped as a lowercase
    /// version 4 UUID, so the same key of the same app always gives the same event.
    public static func eventID(appID: AppID, idempotencyKey: String) -> EventID {
        var bytes = Array(
            SHA256.hash(data: Array("hookd-idempotency-key\u{0}\(appID)\u{0}\(idempotencyKey)".utf8)).prefix(16)
        )
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return uuidText(bytes)
    }

    /// Sixteen bytes written as a lowercase 8-4-4-4-12 UUID: an event id.
    private static func uuidText(_ bytes: [UInt8]) -> EventID {
        let hex = Array(Hex.encode(bytes))
        return EventID([0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-"))
    }

    /// The event id as stored (lowercase) when `value` is a UUID in its usual 8-4-4-4-12 form; `nil` otherwise.
    public static func normalizedEventID(_ value: String) -> EventID? {
        let lowered = value.lowercased()
        let groups = lowered.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12],
            groups.allSatisfy({ $0.utf8.allSatisfy { RandomString.lowercaseHex.contains($0) } })
        else { return nil }
        return EventID(lowered)
    }
}
