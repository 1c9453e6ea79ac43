import HookdCore
import HookdStore
import HookdVerify
import Hummingbird

/// `GET /api/v3.20/keys/{token}.json`: an ED25519 endpoint's public keys in force, as a JWKS (SPEC §15).
///
/// Unauthenticated, as receivers fetch it without credentials: the token, 64 random hex digits per endpoint, is what
/// keeps one endpoint's URL from being guessed from another's. Only public keys leave: the sealed private keys are
/// opened here to derive them and are not kept.
struct PublicKeyRoutes: APIRoutes, Sendable {
    let store: any EndpointStore
    let sealingKeys: SealingKeys
    let services: RouteServices

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.get("keys/:file", use: keys)
    }

    @Sendable func keys(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let file = try context.parameters.require("file")
        let token = file.hasSuffix(".json") ? String(file.dropLast(5)) : ""
        guard token.utf8.count == 64, token.utf8.allSatisfy(Self.isLowercaseHex),
            let endpoint = try await store.endpoint(publicKeysToken: token), endpoint.signingScheme == .ed25519,
            let sealed = endpoint.sealedSecret
        else { throw APIError.notFound }
        let purpose = SecretSealer.webhookSecretPurpose(appID: endpoint.appID, endpointID: endpoint.id)
        var sealedKeys = [sealed]
        if let previous = endpoint.previousSealedSecret, let until = endpoint.previousSecretUntil,
            clock.unixMillis < until
        {
            sealedKeys.append(previous)
        }
        var keys: [JSONOutput] = []
        for sealedKey in sealedKeys {
            let text = String(decoding: try sealingKeys.keyring.open(sealedKey, purpose: purpose), as: UTF8.self)
            let publicKey = try WebhookSigningKey(privateKeyText: text).publicKey
            keys.append(
                .object([
                    ("kty", .string("OKP")), ("crv", .string("Ed25519")), ("x", .string(publicKey.jwkX)),
                    ("kid", .string(publicKey.keyID)), ("use", .string("sig")), ("alg", .string("EdDSA")),
                ])
            )
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "max-age=60"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONOutput.object([("keys", .array(keys))]).bytes))
        )
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
