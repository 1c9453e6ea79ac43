/// Comparisons whose running time does not depend on where two values differ.
///
/// Used by the verifier to compare MACs, and by the server for keys and tokens: one implementation for both.
package enum ConstantTime {
    /// Whether two byte sequences are equal, examining every byte of both.
    ///
    /// The length check returns early; lengths of the values compared here (digests, MACs, keys) are public.
    package static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) {
            difference |= left ^ right
        }
        return difference == 0
    }

    /// Whether two strings have the same UTF-8 bytes, compared in constant time.
    package static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(Array(lhs.utf8), Array(rhs.utf8))
    }
}
