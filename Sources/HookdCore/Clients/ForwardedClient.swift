/// Who a request is from, behind the proxies an operator trusts (SPEC §13, `--trusted-proxies`).
///
/// A proxy appends the address it received the request from to `X-Forwarded-For`, so the header's last entries were
/// written by the proxies in front of hookd and its first ones by whoever sent it, who may write anything. Walking
/// from the right, the first address that is not a trusted proxy is the client. When the peer itself is not a trusted
/// proxy, the header is ignored: anyone can send one.
public enum ForwardedClient {
    /// The client of a request that arrived from `peer` carrying the `X-Forwarded-For` values `forwardedFor` (every
    /// header line, in order).
    ///
    /// For example, with `trusted` holding `10.0.0.0/8`, a request from `10.0.0.5` carrying
    /// `X-Forwarded-For: 203.0.113.9, 198.51.100.2, 10.0.0.7` is from `198.51.100.2`; the same request from
    /// `192.0.2.1` is from `192.0.2.1`.
    ///
    /// - Returns: The client's address as text; `peer` when it is not trusted, when the header is missing, or when an
    ///   entry that a trusted proxy should have written is not an address (the chain cannot be read past it).
    public static func address(peer: String?, forwardedFor: [String], trusted: [AddressRange]) -> String? {
        guard !trusted.isEmpty, let peer, let peerAddress = IPAddress(literal: peer),
            trusted.contains(where: { $0.contains(peerAddress) })
        else { return peer }
        let entries = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: " \t") }
        for entry in entries.reversed() {
            guard let address = IPAddress(literal: entry) else { return peer }
            if !trusted.contains(where: { $0.contains(address) }) { return address.description }
        }
        return peer
    }
}

extension StringProtocol {
    /// The text without the given characters at either end.
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
