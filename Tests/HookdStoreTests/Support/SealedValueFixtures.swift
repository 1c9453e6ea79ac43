import HookdCore
import HookdStore
import HookdTestSupport

/// An eight-byte master key identifier made of `byte`.
func keyIdentifier(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 8) }

/// A stand-in for a sealed value: the format byte, the key's identifier, then `payload`.
func sealed(under identifier: [UInt8], _ payload: some Sequence<UInt8>) -> [UInt8] { [1] + identifier + payload }

/// A change of webhook secret to `sealed`, made by `request` from 127.0.0.1, its fingerprint `fp_` and the first byte.
func change(_ sealed: [UInt8], request: RequestID = "req_000000000000000000000001") -> SealedSecretChange {
    SealedSecretChange(
        sealedSecret: sealed,
        fingerprint: "fp_\(sealed.first ?? 0)",
        requestID: request,
        clientAddress: "127.0.0.1"
    )
}

extension SecretReplacement {
    /// The configuration after the write, when this call replaced the secret.
    var endpoint: WebhookConfiguration? {
        if case .replaced(let endpoint) = self { endpoint } else { nil }
    }
}
