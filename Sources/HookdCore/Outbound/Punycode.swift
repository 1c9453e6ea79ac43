/// Punycode (RFC 3492): the ASCII encoding of a Unicode label that follows `xn--` in an internationalised name.
///
/// Only the encoder is needed: hookd turns a Unicode host name into the ASCII name it resolves, names the TLS
/// server by and sends in `Host`. The constants and the algorithm are those of RFC 3492 §5 and §6.3.
enum Punycode {
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 0x80

    /// Encodes `label`, without the `xn--` prefix.
    ///
    /// Basic (ASCII) code points are copied in their order and case, followed by `-` when there are any, then
    /// the insertions of the other code points as generalised variable-length integers.
    ///
    /// - Important: For a label of `L` scalars, `delta` stays below 0x110000 × (`L` + 1) + `L`², so `Int`
    ///   cannot overflow for any label (DNS labels have at most 63).
    /// - Parameter label: The label's scalars, already lowercased and normalised by the caller.
    /// - Returns: The Punycode text, for example `bcher-kva` for `bücher`.
    static func encode(_ label: some Collection<Unicode.Scalar>) -> String {
        let input = label.map { Int($0.value) }
        var output: [UInt8] = input.filter { $0 < initialN }.map { UInt8($0) }
        let basicCount = output.count
        if basicCount > 0 {
            output.append(UInt8(ascii: "-"))
        }
        var n = initialN
        var delta = 0
        var bias = initialBias
        var handled = basicCount
        while handled < input.count {
            // The smallest code point not yet handled; every one below it is already in the output.
            guard let next = input.filter({ $0 >= n }).min() else { break }
            delta += (next - n) * (handled + 1)
            n = next
            for codePoint in input {
                if codePoint < n {
                    delta += 1
                } else if codePoint == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta: delta, points: handled + 1, first: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bias adaptation function of RFC 3492 §6.1.
    private static func adapt(delta: Int, points: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / points
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    /// The basic code point for digit `value` (0–35): `a`–`z` then `0`–`9`.
    private static func digit(_ value: Int) -> UInt8 {
        value < 26 ? UInt8(ascii: "a") + UInt8(value) : UInt8(ascii: "0") + UInt8(value - 26)
    }
}
