/// Compares two byte sequences in time that depends only on their lengths, never on where they differ.
///
/// Lengths are not secret here (a MAC's length is fixed by its hash function).
func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
    return difference == 0
}
