public import HookdCore
import NIOCore
import NIOPosix
import Synchronization

/// Resolves host names by asking the name servers of `/etc/resolv.conf` itself, over UDP and TCP on SwiftNIO, so a
/// lookup never holds a thread and ends when its deadline passes or its task is cancelled.
///
/// `getaddrinfo` blocks the thread that calls it for as long as `/etc/resolv.conf` allows (up to 150 seconds with
/// `timeout:30 attempts:5`), whatever the caller's own deadline, so lookups of names whose name server is silent
/// would fill whatever pool runs them. This resolver is the part of `getaddrinfo` that hookd needs, done
/// asynchronously:
///
/// - `/etc/hosts` first, then DNS (nsswitch's `files dns`); an address literal is its own answer.
/// - A and AAAA asked at once; the answer is the IPv4 addresses then the IPv6 ones, each in the name server's
///   order, without repeats. CNAME chains are followed inside the answer (at most 8 links).
/// - The search list and `ndots` as resolv.conf(5) says: a name with at least `ndots` dots is tried as it is
///   first, then with each search domain; one with fewer, the other way round. The first name that has an
///   address is the answer; a name that does not exist moves on to the next.
/// - Each query goes out on a fresh UDP socket with a random id; answers from elsewhere, or for another id or
///   question, are ignored. A truncated answer is asked again over TCP. SERVFAIL or REFUSED moves on to the next
///   name server; so does silence for ``Configuration/retransmitInterval``.
/// - One deadline for the whole lookup, ``Configuration/timeout``: when it passes the lookup throws
///   `HostResolutionError`. When the calling task is cancelled, the sockets close and it throws
///   `CancellationError` at once.
/// - A short cache by host: an answer for its least TTL, no such name or no address for the SOA's negative TTL, and
///   a failure for the timeout, each at most ``Configuration/maximumCacheTTL``. A silent name server so costs one
///   wait per host and cache period, not one per delivery.
/// - Concurrent lookups of one host share one set of queries; a caller that is cancelled leaves the others to it.
///
/// - Important: Nothing is logged, and no name is sent anywhere but to the configured name servers.
public final class DNSStubResolver: HostResolver {
    /// How a ``DNSStubResolver`` resolves, times out and caches.
    public struct Configuration: Sendable {
        /// The name servers, search list, `ndots` and `/etc/hosts` entries to use.
        public var resolverConfiguration: ResolverConfiguration

        /// The longest a lookup takes, tries of every name server and both families included; 5 seconds by default.
        ///
        /// A lookup that has no answer by then throws ``HostResolutionError`` saying the name server did not
        /// answer within this time, and that failure is cached (see ``maximumCacheTTL``).
        public var timeout: Duration

        /// How long a query waits for one name server before it is also sent to the next; 1 second by default.
        ///
        /// The earlier tries keep listening, so a slow answer still counts until ``timeout``.
        public var retransmitInterval: Duration

        /// The longest a result is cached, whatever its TTL says; 30 seconds by default.
        ///
        /// Answers are cached for their least TTL, answers that the name has no address for the negative TTL of
        /// their SOA, and failures for ``timeout``; each for this long at most. Zero turns the cache off.
        public var maximumCacheTTL: Duration

        /// How many hosts the cache holds; when it is full, the oldest stored is forgotten first. 10,000 by default.
        public var maximumCacheEntries: Int

        /// How long the other family's answer is waited for once one family has addresses; 0.5 seconds by default.
        ///
        /// A name server that drops AAAA queries (some do) then costs this, not the whole ``timeout``. RFC 8305
        /// waits 50 ms for AAAA; this is longer, and both ways, so a slower family is rarely cut off.
        public var otherFamilyWait: Duration = .milliseconds(500)

        /// A configuration with the given name servers and the other settings at their defaults unless given.
        ///
        /// - Parameters:
        ///   - resolverConfiguration: The name servers, search list and hosts entries, usually
        ///     ``ResolverConfiguration/system()``.
        ///   - timeout: The longest a lookup takes; 5 seconds unless given.
        ///   - retransmitInterval: How long a query waits before the next name server is asked too; 1 second unless
        ///     given.
        ///   - maximumCacheTTL: The longest a result is cached; 30 seconds unless given.
        ///   - maximumCacheEntries: How many hosts are cached; 10,000 unless given.
        public init(
            resolverConfiguration: ResolverConfiguration,
            timeout: Duration = .seconds(5),
            retransmitInterval: Duration = .seconds(1),
            maximumCacheTTL: Duration = .seconds(30),
            maximumCacheEntries: Int = 10_000
        ) {
            self.resolverConfiguration = resolverConfiguration
            self.timeout = timeout
            self.retransmitInterval = retransmitInterval
            self.maximumCacheTTL = maximumCacheTTL
            self.maximumCacheEntries = maximumCacheEntries
        }
    }

    /// The resolver's configuration.
    public let configuration: Configuration

    /// What time it is, for the cache.
    private let now: @Sendable () -> ContinuousClock.Instant
    /// The name servers' sockets.
    private let exchange: DNSExchange
    /// Why the configuration cannot be used, if it cannot: every lookup that reaches DNS fails with it.
    private let configurationError: HostResolutionError?
    private let state: Mutex<State>

    /// The longest CNAME chain followed.
    static let maximumChain = 8

    /// The cache, and the lookups in flight by host.
    private struct State {
        var cache: DNSCache
        var flights: [String: Flight] = [:]
        var nextID = 0
    }

    /// One lookup in flight: who makes it, and who waits for its result.
    private struct Flight {
        var leader: Int
        var waiters: [Int: CheckedContinuation<Turn, any Error>] = [:]
    }

    /// What a caller does next.
    private enum Turn: Sendable {
        /// Return this result.
        case done(Result<[IPAddress], HostResolutionError>)
        /// Make the lookup, for itself and anyone who comes to wait for it.
        case lead
        /// The lookup waited for was abandoned: try again.
        case again
    }

    /// A resolver with `configuration`, whose cache reads the time from `now`.
    ///
    /// - Parameters:
    ///   - configuration: The name servers, timeouts and cache limits.
    ///   - now: The clock for cache expiry; `ContinuousClock.now` unless given (tests pass a clock they move).
    public init(
        configuration: Configuration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.configuration = configuration
        self.now = now
        var servers: [SocketAddress] = []
        var configurationError: HostResolutionError?
        for server in configuration.resolverConfiguration.nameServers {
            do {
                servers.append(try SocketAddress(ipAddress: server.address.description, port: server.port))
            } catch {
                configurationError = HostResolutionError(description: "the name server \(server) is not usable")
            }
        }
        if servers.isEmpty {
            configurationError = configurationError ?? HostResolutionError(description: "no name server is configured")
        }
        self.configurationError = configurationError
        self.exchange = DNSExchange(
            servers: servers,
            attempts: max(1, configuration.resolverConfiguration.attempts),
            retransmitInterval: configuration.retransmitInterval,
            group: MultiThreadedEventLoopGroup.singleton
        )
        self.state = Mutex(State(cache: DNSCache(capacity: configuration.maximumCacheEntries)))
    }

    /// Every address `host` resolves to: from `/etc/hosts`, the cache, or the name servers.
    ///
    /// - Parameter host: A name as hookd writes it: lowercase ASCII, no trailing dot, IDN already in `xn--` form.
    /// - Returns: The IPv4 addresses, then the IPv6 ones, without repeats; empty when the name does not exist or
    ///   has no address.
    /// - Throws: ``HostResolutionError`` when the name servers did not answer within ``Configuration/timeout``
    ///   or failed; `CancellationError` when the task is cancelled.
    public func addresses(of host: String) async throws -> [IPAddress] {
        if let literal = IPAddress(literal: host) {
            return [literal]
        }
        if let fromFile = configuration.resolverConfiguration.hosts[host] {
            return fromFile
        }
        // One deadline for this caller, whether it leads the lookup, waits for another's, or takes over from a
        // leader that was cancelled.
        let deadline = ContinuousClock.now + configuration.timeout
        while true {
            let id = state.withLock { state in
                state.nextID += 1
                return state.nextID
            }
            switch try await turn(for: host, id: id) {
            case .done(let result):
                return try result.get()
            case .again:
                continue
            case .lead:
                let lookup: Lookup
                do {
                    lookup = try await self.lookup(host, deadline: deadline)
                } catch {
                    // Cancelled: whoever waits makes the lookup itself.
                    let waiters = state.withLock { state -> [CheckedContinuation<Turn, any Error>] in
                        guard state.flights[host]?.leader == id else { return [] }
                        return state.flights.removeValue(forKey: host).map { Array($0.waiters.values) } ?? []
                    }
                    for waiter in waiters {
                        waiter.resume(returning: .again)
                    }
                    throw error
                }
                let expiry = now() + min(lookup.ttl, configuration.maximumCacheTTL)
                let waiters = state.withLock { state -> [CheckedContinuation<Turn, any Error>] in
                    if configuration.maximumCacheTTL > .zero {
                        state.cache.store(lookup.result, for: host, until: expiry)
                    }
                    guard state.flights[host]?.leader == id else { return [] }
                    return state.flights.removeValue(forKey: host).map { Array($0.waiters.values) } ?? []
                }
                for waiter in waiters {
                    waiter.resume(returning: .done(lookup.result))
                }
                return try lookup.result.get()
            }
        }
    }

    /// How many callers wait for the lookup of `host` that another caller makes (for tests).
    func waiterCount(for host: String) -> Int {
        state.withLock { $0.flights[host]?.waiters.count ?? 0 }
    }

    /// A cached result, the lead of a new lookup, or the result of one in flight once it is known.
    private func turn(for host: String, id: Int) async throws -> Turn {
        let now = self.now()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate = state.withLock { state -> Result<Turn, any Error>? in
                    if Task.isCancelled {
                        return .failure(CancellationError())
                    }
                    if let cached = state.cache.result(for: host, now: now) {
                        return .success(.done(cached))
                    }
                    if state.flights[host] != nil {
                        state.flights[host]?.waiters[id] = continuation
                        return nil
                    }
                    state.flights[host] = Flight(leader: id)
                    return .success(.lead)
                }
                if let immediate {
                    continuation.resume(with: immediate)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.flights[host]?.waiters.removeValue(forKey: id)
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// A lookup's result and how long it may be cached (before ``Configuration/maximumCacheTTL``).
    private struct Lookup {
        var result: Result<[IPAddress], HostResolutionError>
        var ttl: Duration
    }

    /// Asks the name servers about `host` and each name the search list makes of it, until one has addresses.
    ///
    /// - Throws: `CancellationError` only.
    private func lookup(_ host: String, deadline: ContinuousClock.Instant) async throws -> Lookup {
        let failureTTL = configuration.timeout
        if let configurationError {
            return Lookup(result: .failure(configurationError), ttl: failureTTL)
        }
        let names = Self.searchNames(for: host, configuration: configuration.resolverConfiguration)
        guard !names.isEmpty else {
            return Lookup(result: .failure(HostResolutionError(description: "not a valid DNS name")), ttl: failureTTL)
        }
        var negativeTTL: UInt32?
        for name in names {
            let outcomes = try await askBothFamilies(name, deadline: deadline)
            var addresses: [IPAddress] = []
            var ttl = UInt32.max
            var failure: HostResolutionError?
            for (outcome, type) in outcomes {
                switch outcome {
                case .timedOut:
                    failure = HostResolutionError(
                        description: "the name server did not answer within \(Self.seconds(configuration.timeout)) s"
                    )
                case .failed:
                    failure = failure ?? HostResolutionError(description: "the name servers failed to answer")
                case .answer(let message):
                    let question = DNSMessage.Question(name: name, type: type)
                    switch message.addresses(answering: question, maximumChain: Self.maximumChain) {
                    case .found(let found, let foundTTL):
                        addresses.append(contentsOf: found.filter { !addresses.contains($0) })
                        ttl = min(ttl, foundTTL)
                    case .none(let negative):
                        negativeTTL = min(negativeTTL ?? .max, negative ?? .max)
                    case .brokenChain:
                        failure = failure ?? HostResolutionError(description: "the answer's CNAME chain is broken")
                    }
                }
            }
            if !addresses.isEmpty {
                return Lookup(result: .success(addresses), ttl: .seconds(Int64(ttl)))
            }
            if let failure {
                return Lookup(result: .failure(failure), ttl: failureTTL)
            }
        }
        let ttl = negativeTTL.map { Duration.seconds(Int64($0)) } ?? configuration.maximumCacheTTL
        return Lookup(result: .success([]), ttl: ttl)
    }

    /// The answers to A and AAAA questions about `name`, asked at once, A first; once one family has
    /// addresses, the other is waited for ``Configuration/otherFamilyWait`` at most, and left out when it has not come.
    private func askBothFamilies(
        _ name: String,
        deadline: ContinuousClock.Instant
    ) async throws -> [(DNSExchange.Outcome, DNSMessage.RecordType)] {
        let wait = configuration.otherFamilyWait
        return try await withThrowingTaskGroup(of: (DNSExchange.Outcome, DNSMessage.RecordType)?.self) { group in
            for type in [DNSMessage.RecordType.a, .aaaa] {
                group.addTask { [exchange] in
                    (try await exchange.ask(DNSMessage.Question(name: name, type: type), deadline: deadline), type)
                }
            }
            var outcomes: [(DNSExchange.Outcome, DNSMessage.RecordType)] = []
            while outcomes.count < 2, let next = try await group.next() {
                // `nil`: the wait for the other family ran out.
                guard let next else { break }
                outcomes.append(next)
                if outcomes.count == 1, case .answer(let message) = next.0,
                    case .found = message.addresses(
                        answering: DNSMessage.Question(name: name, type: next.1),
                        maximumChain: Self.maximumChain
                    )
                {
                    group.addTask {
                        try await Task.sleep(for: wait)
                        return nil
                    }
                }
            }
            // What is still asking is cancelled, and its sockets closed, as the group ends.
            group.cancelAll()
            // IPv4 first, whichever came first.
            return outcomes.sorted { first, _ in first.1 == .a }
        }
    }

    /// The names to ask for `host`, in order, as resolv.conf(5) says; names too long for DNS are left out.
    static func searchNames(for host: String, configuration: ResolverConfiguration) -> [String] {
        let dots = host.utf8.count { $0 == UInt8(ascii: ".") }
        let searched = configuration.searchDomains.map { "\(host).\($0)" }
        let names = dots >= configuration.ndots ? [host] + searched : searched + [host]
        return names.filter { name in
            (try? DNSMessage.query(id: 0, question: DNSMessage.Question(name: name, type: .a))) != nil
        }
    }

    /// `duration` in seconds as people write it: `5`, `0.3`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 {
            return "\(milliseconds / 1000)"
        }
        return "\(Double(milliseconds) / 1000)"
    }
}
