import HookdCore
import Testing

/// What counts as a secret strong enough for an operator to choose (`HOOKD_OPERATOR_KEY`, `--metrics-token`).
@Suite struct SecretStrengthTests {
    @Test(arguments: [
        (
            "64 hex digits (openssl rand -hex 32)", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            true
        ),
        ("44 base64 characters (openssl rand -base64 32)", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", true),
        ("hookd's own hok_ key", "hok_" + "Zx9KqP2mW7tR4vN8bJ3cL6hF1dS5gA0eYuIoPlMnBvCxZaQwErTy", true),
        ("63 hex digits", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", false),
        ("a word", "changeme", false),
        ("the old example", "hok_from_environment", false),
        ("one character, long", String(repeating: "a", count: 500), false),
        ("a piece repeated", String(repeating: "abcdefghijklmnopq0123", count: 20), false),
    ])
    func strongEnoughOrNot(label: String, secret: String, strong: Bool) {
        #expect(SecretStrength.isStrong(secret) == strong, "\(label): \(SecretStrength.estimatedBits(of: secret)) bits")
    }

    @Test func hexIsCountedAsHex() {
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        #expect(SecretStrength.estimatedBits(of: hex) == 256)
        #expect(SecretStrength.estimatedBits(of: hex.uppercased()) == 256)
    }
}
