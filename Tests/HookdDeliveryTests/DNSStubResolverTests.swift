import HookdCore
import NIOCore
import NIOPosix
import Testing

@testable import HookdDelivery

/// The stub resolver against fake name servers on loopback: answers, chains, negative answers, silence,
/// cancellation, shared lookups, spoofed replies, truncation, failover and the cache.
@Suite struct DNSStubResolverTests {
    static let first = IPAddress.v4([192, 0, 2, 1])
    static let second = IPAddress.v4([192, 0, 2, 2])
    static let firstV6 = IPAddress(literal: "2001:db8::1")!
    static let secondV6 = IPAddress(literal: "2001:db8::2")!
    static let spoofed = IPAddress.v4([203, 0, 113, 66])

    /// A name server that never answers.
    private static let silent: FakeNameServer.Responder = { _ in [] }

    /// A resolver that asks `servers` in order, with settings a test may change. Its timeouts are generous (30 s in
    /// all, 10 s before the next server, as long as the lookup for the other family): on a loaded machine a fake
    /// server on loopback can take seconds to answer, and only the tests of those timeouts may depend on them.
    private static func resolver(
        _ servers: FakeNameServer...,
        timeout: Duration = .seconds(30),
        retransmitInterval: Duration = .seconds(10),
        attempts: Int = 2,
        searchDomains: [String] = [],
        hosts: [String: [IPAddress]] = [:],
        maximumCacheTTL: Duration = .seconds(30),
        maximumCacheEntries: Int = 10_000,
        otherFamilyWait: Duration? = nil,
        clock: ManualClock = ManualClock()
    ) -> DNSStubResolver {
        var configuration = DNSStubResolver.Configuration(
            resolverConfiguration: ResolverConfiguration(
                nameServers: servers.map(\.nameServer),
                searchDomains: searchDomains,
                attempts: attempts,
                hosts: hosts
            ),
            timeout: timeout,
            retransmitInterval: retransmitInterval,
            maximumCacheTTL: maximumCacheTTL,
            maximumCacheEntries: maximumCacheEntries
        )
        // Both families are waited for as long as the lookup may take, unless a test says otherwise: on a loaded
        // machine the second answer can come later than the default half second, and a test must not depend on it.
        configuration.otherFamilyWait = otherFamilyWait ?? timeout
        return DNSStubResolver(configuration: configuration, now: clock.function)
    }

    /// A name server for a zone: each name's addresses in order (A and AAAA queries each get their family's),
    /// NODATA for a name without addresses of the family asked, NXDOMAIN for a name it does not know; negative
    /// answers carry an SOA whose negative TTL is `negativeTTL`.
    private static func zone(
        _ table: [String: [IPAddress]],
        ttl: UInt32 = 300,
        negativeTTL: UInt32 = 20,
        delay: Duration = .zero
    ) -> FakeNameServer.Responder {
        { query in
            guard let addresses = table[query.name] else {
                let reply = WireDNS.response(
                    id: query.id,
                    name: query.name,
                    type: query.type,
                    rcode: WireDNS.nameError,
                    authorities: [.soa("example", minimum: negativeTTL)]
                )
                return [.message(reply, delay: delay)]
            }
            return [.message(answer(query, with: addresses, ttl: ttl, negativeTTL: negativeTTL), delay: delay)]
        }
    }

    /// A NOERROR answer to `query` with its family's share of `addresses` (NODATA with an SOA when none).
    private static func answer(
        _ query: FakeNameServer.Query,
        with addresses: [IPAddress],
        ttl: UInt32 = 300,
        negativeTTL: UInt32 = 20
    ) -> [UInt8] {
        let records: [WireDNS.Record] = addresses.compactMap { address in
            switch (address, query.type) {
            case (.v4(let bytes), WireDNS.a): .a(query.name, bytes, ttl: ttl)
            case (.v6(let bytes), WireDNS.aaaa): .aaaa(query.name, bytes, ttl: ttl)
            default: nil
            }
        }
        return WireDNS.response(
            id: query.id,
            name: query.name,
            type: query.type,
            answers: records,
            authorities: records.isEmpty ? [.soa("example", minimum: negativeTTL)] : []
        )
    }

    // MARK: Answers

    @Test func aNameWithOnlyIPv4AddressesResolvesToThem() async throws {
        try await FakeNameServer.with(Self.zone(["v4.example": [Self.first, Self.second]])) { server async throws in
            let addresses = try await Self.resolver(server).addresses(of: "v4.example")
            #expect(addresses == [Self.first, Self.second])
            #expect(server.count("v4.example", WireDNS.a) == 1)
            #expect(server.count("v4.example", WireDNS.aaaa) == 1)
        }
    }

    /// Some name servers drop AAAA questions: the IPv4 answer is used once the other family has had its short
    /// wait, not after the whole timeout.
    @Test func aNameServerThatDropsOneFamilyCostsAShortWaitNotTheTimeout() async throws {
        let respond: FakeNameServer.Responder = { query in
            guard query.type == WireDNS.a else { return [] }
            return [.message(Self.answer(query, with: [Self.first]))]
        }
        try await FakeNameServer.with(respond) { server async throws in
            let started = ContinuousClock.now
            let resolver = Self.resolver(server, timeout: .seconds(60), otherFamilyWait: .milliseconds(500))
            let addresses = try await resolver.addresses(of: "v4only.example")
            #expect(addresses == [Self.first])
            #expect(ContinuousClock.now - started < .seconds(30), "answered long before the 60 s timeout")
        }
    }

    @Test func aNameWithOnlyIPv6AddressesResolvesToThem() async throws {
        try await FakeNameServer.with(Self.zone(["v6.example": [Self.firstV6]])) { server async throws in
            #expect(try await Self.resolver(server).addresses(of: "v6.example") == [Self.firstV6])
        }
    }

    @Test func bothFamiliesAreKeptIPv4FirstWithoutRepeats() async throws {
        let table = ["dual.example": [Self.second, Self.firstV6, Self.first, Self.second, Self.secondV6]]
        try await FakeNameServer.with(Self.zone(table)) { server async throws in
            #expect(
                try await Self.resolver(server).addresses(of: "dual.example")
                    == [Self.second, Self.first, Self.firstV6, Self.secondV6]
            )
        }
    }

    @Test func anAddressLiteralIsItsOwnAnswer() async throws {
        try await FakeNameServer.with(Self.zone([:])) { server async throws in
            #expect(try await Self.resolver(server).addresses(of: "192.0.2.1") == [Self.first])
            #expect(server.queries.isEmpty)
        }
    }

    @Test func hostsEntriesWinOverDNS() async throws {
        try await FakeNameServer.with(Self.zone(["pinned.example": [Self.spoofed]])) { server async throws in
            let resolver = Self.resolver(server, hosts: ["pinned.example": [Self.first, Self.firstV6]])
            #expect(try await resolver.addresses(of: "pinned.example") == [Self.first, Self.firstV6])
            #expect(server.queries.isEmpty, "/etc/hosts answers without a query")
        }
    }

    @Test func aCNAMEChainIsFollowedAndRecordsOffTheChainAreIgnored() async throws {
        let respond: FakeNameServer.Responder = { query in
            let address: WireDNS.Record =
                query.type == WireDNS.a
                ? .a("edge.example.org", [192, 0, 2, 1]) : .aaaa("edge.example.org", Array(repeating: 0x20, count: 16))
            let answers: [WireDNS.Record] = [
                .a("evil.example", [203, 0, 113, 66]),
                .cname("www.example.com", "cdn.example.net"),
                .aaaa("elsewhere.example", Array(repeating: 0x66, count: 16)),
                .cname("cdn.example.net", "edge.example.org"),
                address,
            ]
            return [.message(WireDNS.response(id: query.id, name: query.name, type: query.type, answers: answers))]
        }
        try await FakeNameServer.with(respond) { server async throws in
            #expect(
                try await Self.resolver(server).addresses(of: "www.example.com")
                    == [Self.first, .v6(Array(repeating: 0x20, count: 16))]
            )
        }
    }

    @Test func aCNAMELoopIsRefused() async throws {
        let respond: FakeNameServer.Responder = { query in
            let answers: [WireDNS.Record] = [
                .cname("loop.example", "back.example"), .cname("back.example", "loop.example"),
            ]
            return [.message(WireDNS.response(id: query.id, name: query.name, type: query.type, answers: answers))]
        }
        try await FakeNameServer.with(respond) { server async throws in
            await #expect(throws: HostResolutionError.self) {
                try await Self.resolver(server).addresses(of: "loop.example")
            }
        }
    }

    @Test func theSearchListIsTriedAsNdotsSays() async throws {
        let table = ["api.corp.example": [Self.first], "db.internal.corp.example": [Self.second]]
        try await FakeNameServer.with(Self.zone(table)) { server async throws in
            let resolver = Self.resolver(server, searchDomains: ["corp.example"])
            #expect(try await resolver.addresses(of: "api") == [Self.first])
            #expect(server.queries.map(\.name) == ["api.corp.example", "api.corp.example"], "search first")
            #expect(try await resolver.addresses(of: "db.internal") == [Self.second])
            #expect(
                server.queries.dropFirst(2).map(\.name).uniqued() == ["db.internal", "db.internal.corp.example"],
                "with a dot, the name as it is first"
            )
        }
    }

    // MARK: Negative answers and the cache

    @Test func aNameThatDoesNotExistHasNoAddressesAndIsCachedForItsNegativeTTL() async throws {
        let clock = ManualClock()
        try await FakeNameServer.with(Self.zone([:], negativeTTL: 20)) { server async throws in
            let resolver = Self.resolver(server, clock: clock)
            #expect(try await resolver.addresses(of: "gone.example") == [])
            #expect(server.queries.count == 2)
            clock.advance(by: .seconds(19))
            #expect(try await resolver.addresses(of: "gone.example") == [])
            #expect(server.queries.count == 2, "cached")
            clock.advance(by: .seconds(2))
            #expect(try await resolver.addresses(of: "gone.example") == [])
            #expect(server.queries.count == 4, "asked again once the negative TTL passed")
        }
    }

    @Test func anAnswerIsCachedForItsTTL() async throws {
        let clock = ManualClock()
        try await FakeNameServer.with(Self.zone(["short.example": [Self.first]], ttl: 10)) { server async throws in
            let resolver = Self.resolver(server, clock: clock)
            #expect(try await resolver.addresses(of: "short.example") == [Self.first])
            clock.advance(by: .seconds(9))
            #expect(try await resolver.addresses(of: "short.example") == [Self.first])
            #expect(server.queries.count == 2, "cached")
            clock.advance(by: .seconds(2))
            #expect(try await resolver.addresses(of: "short.example") == [Self.first])
            #expect(server.queries.count == 4, "asked again once the TTL passed")
        }
    }

    @Test func aLongTTLIsCappedByTheMaximumCacheTTL() async throws {
        let clock = ManualClock()
        try await FakeNameServer.with(Self.zone(["long.example": [Self.first]], ttl: 86_400)) { server async throws in
            let resolver = Self.resolver(server, maximumCacheTTL: .seconds(30), clock: clock)
            _ = try await resolver.addresses(of: "long.example")
            clock.advance(by: .seconds(29))
            _ = try await resolver.addresses(of: "long.example")
            #expect(server.queries.count == 2)
            clock.advance(by: .seconds(2))
            _ = try await resolver.addresses(of: "long.example")
            #expect(server.queries.count == 4)
        }
    }

    @Test func theCacheForgetsTheOldestHostWhenFull() async throws {
        let table = ["a.example": [Self.first], "b.example": [Self.first], "c.example": [Self.first]]
        try await FakeNameServer.with(Self.zone(table)) { server async throws in
            let resolver = Self.resolver(server, maximumCacheEntries: 2)
            for host in ["a.example", "b.example", "c.example", "c.example", "a.example"] {
                _ = try await resolver.addresses(of: host)
            }
            #expect(server.count("c.example", WireDNS.a) == 1, "c was still cached")
            #expect(server.count("a.example", WireDNS.a) == 2, "a, the oldest, was forgotten when c came")
            _ = try await resolver.addresses(of: "b.example")
            #expect(server.count("b.example", WireDNS.a) == 2, "b was forgotten when a came back")
        }
    }

    // MARK: Silence, cancellation and failover

    @Test func aSilentNameServerFailsTheLookupWithinTheTimeoutAndTheFailureIsCached() async throws {
        let clock = ManualClock()
        try await FakeNameServer.with(Self.silent) { server async throws in
            // Long enough that the queries leave before the deadline on a loaded machine (2 s was not, once, in a
            // whole run on two cores: the server never counted all four queries).
            let resolver = Self.resolver(server, timeout: .seconds(5), retransmitInterval: .seconds(10), clock: clock)
            let started = ContinuousClock.now
            let error = await #expect(throws: HostResolutionError.self) {
                try await resolver.addresses(of: "silent.example")
            }
            #expect(ContinuousClock.now - started < .seconds(30), "bounded by the timeout, not by resolv.conf")
            #expect(error?.description == "the name server did not answer within 5 s")
            // A silent server's queries are counted as its event loop reads them: wait for them.
            try await server.waitForQueries(2)
            #expect(server.queries.count == 2)

            await #expect(throws: HostResolutionError.self) { try await resolver.addresses(of: "silent.example") }
            #expect(server.queries.count == 2, "the failure is cached: no second wait")

            clock.advance(by: .seconds(6))
            await #expect(throws: HostResolutionError.self) { try await resolver.addresses(of: "silent.example") }
            // A silent server's queries are counted as its event loop reads them: wait for them.
            try await server.waitForQueries(4)
            #expect(server.queries.count == 4, "cached for the timeout only")
        }
    }

    @Test func aCancelledLookupStopsAtOnce() async throws {
        try await FakeNameServer.with(Self.silent) { server async throws in
            let resolver = Self.resolver(server, timeout: .seconds(60))
            let lookup = Task { try await resolver.addresses(of: "silent.example") }
            try await server.waitForQueries(2)
            let cancelled = ContinuousClock.now
            lookup.cancel()
            await #expect(throws: CancellationError.self) { try await lookup.value }
            #expect(ContinuousClock.now - cancelled < .seconds(10), "long before the 60-second timeout")

            // Nothing was cached: the next lookup asks again.
            let again = Task { try await resolver.addresses(of: "silent.example") }
            try await server.waitForQueries(4)
            again.cancel()
            _ = await again.result
        }
    }

    @Test func aServerFailureMovesOnToTheNextNameServerAtOnce() async throws {
        let failing: FakeNameServer.Responder = { query in
            let rcode = query.type == WireDNS.a ? WireDNS.serverFailure : WireDNS.refused
            return [.message(WireDNS.response(id: query.id, name: query.name, type: query.type, rcode: rcode))]
        }
        try await FakeNameServer.with(failing) { broken async throws in
            try await FakeNameServer.with(Self.zone(["next.example": [Self.first, Self.firstV6]])) {
                working async throws in
                // The retransmit interval is longer than the timeout: only a prompt move reaches the second server.
                let resolver = Self.resolver(broken, working, timeout: .seconds(30), retransmitInterval: .seconds(60))
                #expect(try await resolver.addresses(of: "next.example") == [Self.first, Self.firstV6])
                #expect(broken.queries.count == 2)
                #expect(working.queries.count == 2)
            }
        }
    }

    @Test func anUnreachableNameServerMovesOnToTheNextAtOnce() async throws {
        // A loopback port nobody listens on: the kernel answers with "port unreachable".
        let closed = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0)).get()
        let port = try #require(closed.localAddress?.port)
        try await closed.close()
        try await FakeNameServer.with(Self.zone(["next.example": [Self.first]])) { working async throws in
            let resolver = DNSStubResolver(
                configuration: .init(
                    resolverConfiguration: ResolverConfiguration(
                        nameServers: [.init(address: .v4([127, 0, 0, 1]), port: port), working.nameServer]
                    ),
                    timeout: .seconds(30),
                    retransmitInterval: .seconds(60)
                )
            )
            #expect(try await resolver.addresses(of: "next.example") == [Self.first])
        }
    }

    @Test func everyNameServerFailingFailsTheLookup() async throws {
        let failing: FakeNameServer.Responder = { query in
            [.message(WireDNS.response(id: query.id, name: query.name, type: query.type, rcode: WireDNS.serverFailure))]
        }
        try await FakeNameServer.with(failing) { server async throws in
            let error = await #expect(throws: HostResolutionError.self) {
                try await Self.resolver(server, attempts: 2).addresses(of: "broken.example")
            }
            #expect(error?.description == "the name servers failed to answer")
            // A silent server's queries are counted as its event loop reads them: wait for them.
            try await server.waitForQueries(4)
            #expect(server.queries.count == 4, "each query tried twice")
        }
    }

    // MARK: Sharing

    @Test func concurrentLookupsOfOneNameShareOneQueryPerFamily() async throws {
        let zone = Self.zone(["busy.example": [Self.first, Self.firstV6]], delay: .milliseconds(200))
        try await FakeNameServer.with(zone) { server async throws in
            // No cache: only sharing can keep the queries at one per family.
            let resolver = Self.resolver(server, maximumCacheTTL: .zero)
            let results = try await withThrowingTaskGroup(of: [IPAddress].self) { group in
                for _ in 0..<20 {
                    group.addTask { try await resolver.addresses(of: "busy.example") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 20)
            #expect(results.allSatisfy { $0 == [Self.first, Self.firstV6] })
            #expect(server.count("busy.example", WireDNS.a) == 1)
            #expect(server.count("busy.example", WireDNS.aaaa) == 1)
        }
    }

    @Test func aCancelledWaiterLeavesTheOthersAndACancelledLeaderHandsOver() async throws {
        // The first lookup's two queries get no answer; later ones do.
        let respond: FakeNameServer.Responder = { query in
            query.number < 2 ? [] : [.message(Self.answer(query, with: [Self.first]))]
        }
        try await FakeNameServer.with(respond) { server async throws in
            let resolver = Self.resolver(server, timeout: .seconds(60), attempts: 1)
            let leader = Task { try await resolver.addresses(of: "shared.example") }
            try await server.waitForQueries(2)
            let leaving = Task { try await resolver.addresses(of: "shared.example") }
            let staying = Task { try await resolver.addresses(of: "shared.example") }
            let patience = ContinuousClock.now + .seconds(5)
            while resolver.waiterCount(for: "shared.example") < 2 {
                try #require(ContinuousClock.now < patience, "both later callers wait for the first one's lookup")
                try await Task.sleep(for: .milliseconds(2))
            }

            leaving.cancel()
            await #expect(throws: CancellationError.self) { try await leaving.value }
            #expect(resolver.waiterCount(for: "shared.example") == 1)
            #expect(server.queries.count == 2, "the leader's lookup goes on undisturbed")

            leader.cancel()
            await #expect(throws: CancellationError.self) { try await leader.value }
            #expect(try await staying.value == [Self.first], "the waiter made the lookup itself")
            // A silent server's queries are counted as its event loop reads them: wait for them.
            try await server.waitForQueries(4)
            #expect(server.queries.count == 4)
        }
    }

    // MARK: Spoofing and truncation

    @Test func repliesThatDoNotAnswerTheQueryAreIgnored() async throws {
        let respond: FakeNameServer.Responder = { query in
            let forged = Self.answer(query, with: [Self.spoofed, IPAddress(literal: "2001:db8::66")!])
            var wrongID = forged
            wrongID[1] ^= 0x01
            let otherName = WireDNS.response(
                id: query.id,
                name: "other.example",
                type: query.type,
                answers: [.a("other.example", [203, 0, 113, 66])]
            )
            var notAResponse = forged
            notAResponse[2] &= 0x7F
            return [
                .fromAnotherPort(forged),
                .message(wrongID),
                .message(otherName),
                .message(notAResponse),
                .message([0xDE, 0xAD]),
                .message(Self.answer(query, with: [Self.first, Self.firstV6])),
            ]
        }
        try await FakeNameServer.with(respond) { server async throws in
            #expect(try await Self.resolver(server).addresses(of: "target.example") == [Self.first, Self.firstV6])
        }
    }

    @Test func aTruncatedAnswerIsAskedAgainOverTCP() async throws {
        let respond: FakeNameServer.Responder = { query in
            if query.overTCP {
                return [.message(Self.answer(query, with: [Self.first, Self.second, Self.firstV6]))]
            }
            return [.message(WireDNS.response(id: query.id, name: query.name, type: query.type, truncated: true))]
        }
        try await FakeNameServer.with(respond) { server async throws in
            #expect(
                try await Self.resolver(server).addresses(of: "big.example") == [Self.first, Self.second, Self.firstV6]
            )
            // At least once: on a loaded machine the truncated answer may come after the retransmit interval.
            #expect(server.count("big.example", WireDNS.a, overTCP: false) >= 1)
            #expect(server.count("big.example", WireDNS.a, overTCP: true) == 1)
            #expect(server.count("big.example", WireDNS.aaaa, overTCP: true) == 1)
        }
    }
}

extension Sequence where Element: Hashable {
    /// The elements in order, each once.
    fileprivate func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
