import Foundation

/// How much guessing a secret that an operator chose (`HOOKD_OPERATOR_KEY`, `--metrics-token`) would take, estimated
/// from its text, so that hookd can refuse one too weak to guard what it guards.
///
/// A string carries no more than `log2(alphabet)` bits a character, where the alphabet is the smallest one the text
/// could have been drawn from: hex digits (16) when it is all hex, otherwise the union of the classes it uses
/// (lowercase 26, uppercase 26, digits 10, other printable ASCII 33). So `openssl rand -hex 32` (64 hex digits) is 256
/// bits, `openssl rand -base64 32` is 44 characters from 64 or more (≥ 258 bits), and hookd's own `hok_` + 48 base62
/// characters is well over. Text that is plainly not random is counted as nothing: fewer than 16 distinct characters,
/// or one short piece repeated. The estimate is an upper bound (`correct horse…` of enough length passes): it stops
/// the mistakes (`changeme`, `operator`, a word repeated), not a determined operator.
public enum SecretStrength {
    /// The bits a secret must carry at least: 256 (32 bytes), the size of hookd's own keys.
    public static let minimumBits = 256

    /// The estimated bits of `text` (0 when it is plainly not random).
    ///
    /// For example, 64 hex digits are 256 bits; `aaaa…` of any length, or `abcdefgh` repeated, are 0.
    public static func estimatedBits(of text: String) -> Int {
        let scalars = Array(text.unicodeScalars)
        guard Set(scalars).count >= 16, !isRepetition(scalars) else { return 0 }
        let alphabet: Int
        if scalars.allSatisfy({ isHexDigit($0) && !isUpper($0) })
            || scalars.allSatisfy({ isHexDigit($0) && !isLower($0) })
        {
            alphabet = 16
        } else {
            var size = 0
            if scalars.contains(where: isLower) { size += 26 }
            if scalars.contains(where: isUpper) { size += 26 }
            if scalars.contains(where: isDigit) { size += 10 }
            if scalars.contains(where: { !isLower($0) && !isUpper($0) && !isDigit($0) }) { size += 33 }
            alphabet = size
        }
        return Int(Double(scalars.count) * log2(Double(alphabet)))
    }

    /// Whether `text` carries at least ``minimumBits``.
    public static func isStrong(_ text: String) -> Bool {
        estimatedBits(of: text) >= minimumBits
    }

    /// Whether the text is one piece of at most half its length, repeated (the last copy may be cut short).
    private static func isRepetition(_ scalars: [Unicode.Scalar]) -> Bool {
        guard scalars.count >= 2 else { return false }
        for period in 1...(scalars.count / 2)
        where (period..<scalars.count).allSatisfy({ scalars[$0] == scalars[$0 - period] }) {
            return true
        }
        return false
    }

    private static func isLower(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) }
    private static func isUpper(_ scalar: Unicode.Scalar) -> Bool { ("A"..."Z").contains(scalar) }
    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
    private static func isHexDigit(_ scalar: Unicode.Scalar) -> Bool {
        isDigit(scalar) || ("a"..."f").contains(scalar) || ("A"..."F").contains(scalar)
    }
}
