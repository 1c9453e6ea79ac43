import HookdVerify

extension WebhookSecret {
    /// How many lowercase hexadecimal digits follow the prefix in an endpoint's secret (v3.20): 32 random bytes.
    public static let endpointHexLength = 64
    /// The shortest and longest base64 text an app may bring as its endpoint's secret.
    public static let broughtBase64Lengths = 24...64

    /// Draws a new endpoint secret (v3.20): `whsec_` and 64 lowercase hexadecimal digits.
    public static func generateForEndpoint(using generator: inout some RandomNumberGenerator) -> WebhookSecret {
        drawn(endpointHexLength, from: RandomString.lowercaseHex, using: &generator)
    }

    /// Draws a new endpoint secret from the system CSPRNG.
    public static func generateForEndpoint() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return generateForEndpoint(using: &generator)
    }

    /// Wraps a secret an app brings to a new endpoint (to keep the one its receivers hold when it migrates from
    /// another sender), after checking its shape.
    ///
    /// - Returns: `nil` unless `value` is `whsec_` followed by 24 to 64 characters of standard base64 that decode
    ///   (padding only at the end), so that every signature scheme, Standard Webhooks included, can use it.
    public init?(broughtByApp value: String) {
        guard value.hasPrefix(Self.prefix) else { return nil }
        let encoded = value.dropFirst(Self.prefix.count)
        guard Self.broughtBase64Lengths.contains(encoded.utf8.count), let key = Base64.decode(encoded), !key.isEmpty
        else { return nil }
        self.init(unchecked: value)
    }
}
