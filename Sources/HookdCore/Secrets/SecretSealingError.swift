/// Why a secret could not be sealed or opened. Never carries key material or plaintext.
public struct SecretSealingError: Error, Equatable, CustomStringConvertible {
    private enum Reason: Equatable {
        case malformedMasterKey
        case unknownKey
        case malformedSealedValue
        case authenticationFailed
    }

    private let reason: Reason

    /// The master key is not 32 bytes written as base64 or hex.
    public static let malformedMasterKey = SecretSealingError(reason: .malformedMasterKey)
    /// The sealed value names a master key this process does not hold.
    public static let unknownKey = SecretSealingError(reason: .unknownKey)
    /// The sealed value is truncated or of an unknown format.
    public static let malformedSealedValue = SecretSealingError(reason: .malformedSealedValue)
    /// The sealed value was altered, or sealed for another purpose or app.
    public static let authenticationFailed = SecretSealingError(reason: .authenticationFailed)

    public var description: String {
        switch reason {
        case .malformedMasterKey: "the master key must be 32 bytes written as base64 (44 characters) or hex (64)"
        case .unknownKey: "the value was sealed under a master key this process does not hold"
        case .malformedSealedValue: "the sealed value is truncated or of an unknown format"
        case .authenticationFailed: "the sealed value failed authentication (altered, or sealed for something else)"
        }
    }
}
