/// Turns a host name into the addresses it stands for.
///
/// The SSRF guard resolves through this protocol so that it can check every address before a connection is
/// made, and so that tests can resolve names without sending a DNS query anywhere. hookd's own is
/// `DNSStubResolver` (HookdDelivery), which never blocks a thread.
///
/// - Important: A lookup must end promptly when its task is cancelled: ``WebhookURLPolicy`` bounds it with its
///   resolution timeout by cancelling it.
public protocol HostResolver: Sendable {
    /// Every address `host` resolves to, in the resolver's order of preference; an empty list when it resolves
    /// to none.
    ///
    /// - Throws: When resolution fails outright.
    func addresses(of host: String) async throws -> [IPAddress]
}

/// Why a host could not be resolved.
public struct HostResolutionError: Error, CustomStringConvertible {
    /// The resolver's message.
    public let description: String

    public init(description: String) {
        self.description = description
    }
}
