import Crypto

/// Seals and opens stored secrets with AES-256-GCM under the master key.
///
/// A sealed value is `0x01 ‖ key identifier (8) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`. The purpose
/// (for example `webhook-secret:<appId>`) is bound as associated data, so a sealed value copied to
/// another app's row or another column fails to open.
public struct SecretSealer: Sendable {
    private static let formatVersion: UInt8 = 1
    private static let headerLength = 1 + 8 + 12
    private static let tagLength = 16

    /// The key new values are sealed under.
    public let primary: MasterKey
    /// Every key values may be opened with: the primary and, during a rotation, the ones before it.
    private let keyring: [MasterKey]

    /// Every key values may be opened with, the primary first.
    public var keys: [MasterKey] { keyring }

    /// A sealer that seals under `primary` and also opens values sealed under `additional` keys.
    public init(primary: MasterKey, additional: [MasterKey] = []) {
        self.primary = primary
        self.keyring = [primary] + additional
    }

    /// Seals `plaintext` for `purpose`.
    public func seal(_ plaintext: some Collection<UInt8>, purpose: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(Array(plaintext), using: primary.key, authenticating: Array(purpose.utf8))
        var output = [Self.formatVersion]
        output.append(contentsOf: primary.identifier)
        output.append(contentsOf: box.nonce)
        output.append(contentsOf: box.ciphertext)
        output.append(contentsOf: box.tag)
        return output
    }

    /// Opens a value sealed for `purpose`.
    ///
    /// - Throws: ``SecretSealingError`` when the value is malformed, sealed under an unknown key, or altered.
    public func open(_ sealed: some Collection<UInt8>, purpose: String) throws(SecretSealingError) -> [UInt8] {
        let bytes = Array(sealed)
        guard bytes.count >= Self.headerLength + Self.tagLength, bytes[0] == Self.formatVersion else {
            throw .malformedSealedValue
        }
        let identifier = Array(bytes[1..<9])
        guard let masterKey = keyring.first(where: { $0.identifier == identifier }) else { throw .unknownKey }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: bytes[9..<21]),
                ciphertext: bytes[21..<(bytes.count - Self.tagLength)],
                tag: bytes[(bytes.count - Self.tagLength)...]
            )
            return Array(try AES.GCM.open(box, using: masterKey.key, authenticating: Array(purpose.utf8)))
        } catch {
            throw .authenticationFailed
        }
    }

    /// The same keys, sealing under the one `identifier` names; `nil` when it is not among them.
    public func sealing(under identifier: [UInt8]) -> SecretSealer? {
        guard let key = keyring.first(where: { $0.identifier == identifier }) else { return nil }
        return SecretSealer(primary: key, additional: keyring.filter { $0.identifier != identifier })
    }

    /// Whether `sealed` is already sealed under the primary key.
    public func isSealedUnderPrimary(_ sealed: some Collection<UInt8>) -> Bool {
        let bytes = Array(sealed)
        return bytes.count > 9 && Array(bytes[1..<9]) == primary.identifier
    }
}

extension SecretSealer {
    /// The sealing purpose of an app's webhook secret (its v3 URL's).
    public static func webhookSecretPurpose(appID: AppID) -> String { "webhook-secret:\(appID)" }
    /// The sealing purpose of an endpoint's secret: bound to the endpoint, so a sealed secret copied to another
    /// endpoint's row does not open. The app's v3 URL keeps its app-bound purpose.
    public static func webhookSecretPurpose(appID: AppID, endpointID: EndpointID) -> String {
        endpointID == Identifiers.v3WebhookID(appID: appID)
            ? webhookSecretPurpose(appID: appID) : "webhook-secret:\(appID):\(endpointID)"
    }
    /// The sealing purpose of an endpoint's custom request headers (SPEC §11 `headers`), bound to the endpoint.
    public static func endpointHeadersPurpose(appID: AppID, endpointID: EndpointID) -> String {
        "endpoint-headers:\(appID):\(endpointID)"
    }
    /// The sealing purpose of a server-wide secret (the token signing key, the operator key).
    public static func serverSecretPurpose(name: String) -> String { "server-secret:\(name)" }
}
