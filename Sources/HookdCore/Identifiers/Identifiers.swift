import Crypto
import HookdVerify

/// Generators and shape checks for the identifiers hookd hands out.
public enum Identifiers {
    /// A new app identifier: 16 uppercase letters and digits.
    public static func appID() -> AppID {
        AppID(RandomString.make(count: 16, from: RandomString.uppercaseAlphanumerics))
    }

    /// A new business identifier: 24 uppercase letters and digits.
    public static func businessID() -> BusinessID {
        BusinessID(RandomString.make(count: 24, from: RandomString.uppercaseAlphanumerics))
    }

    /// A new request identifier: `req_` and 24 lowercase hexadecimal digits.
    public static func requestID() -> RequestID {
        RequestID("req_" + RandomString.make(count: 24, from: RandomString.lowercaseHex))
    }

    /// A new token identifier (the JWT `jti`): `jwt_` and 24 lowercase hexadecimal digits.
    public static func tokenID() -> TokenID {
        TokenID("jwt_" + RandomString.make(count: 24, from: RandomString.lowercaseHex))
    }

    /// Whether `value` has the shape of an app identifier.
    public static func isAppID(_ value: String) -> Bool {
        value.utf8.count == 16 && value.utf8.allSatisfy { RandomString.uppercaseAlphanumerics.contains($0) }
    }

    /// Whether `value` has the shape of a business identifier: 24 uppercase letters and digits.
    public static func isBusinessID(_ value: String) -> Bool {
        value.utf8.count == 24 && value.utf8.allSatisfy { RandomString.uppercaseAlphanumerics.contains($0) }
    }
}

extension Identifiers {
    /// A new endpoint identifier (v3.20 `webhookId`): `whk_` and 20 uppercase letters and digits.
    public static func webhookID() -> EndpointID {
        EndpointID("whk_" + RandomString.make(count: 20, from: RandomString.uppercaseAlphanumerics))
    }

    /// The identifier of an app's v3 URL as an endpoint: `whk_` and the first 20 hexadecimal digits, upper case, of
    /// SHA-256 of `hookd/v3-endpoint:` and the app's id.
    ///
    /// Derived rather than drawn, so a delivery can name the app's v3 endpoint before the app first sets its URL;
    /// the PostgreSQL migration computes the same with `hookd_v3_endpoint_id`.
    public static func v3WebhookID(appID: AppID) -> EndpointID {
        let digest = SHA256.hash(data: Array("hookd/v3-endpoint:\(appID)".utf8))
        return EndpointID("whk_" + Hex.encode(digest.prefix(10)).uppercased())
    }

    /// Whether `value` has the shape of an endpoint identifier.
    public static func isWebhookID(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        return bytes.count == 24 && value.hasPrefix("whk_")
            && bytes.dropFirst(4).allSatisfy { RandomString.uppercaseAlphanumerics.contains($0) }
    }
}
