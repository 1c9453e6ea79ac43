public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a stub resolver sends its queries and how it expands a name: what `/etc/resolv.conf` and `/etc/hosts` say.
///
/// Build one with ``system()`` to read the machine's files, with ``init(resolvConf:hosts:)`` from their text, or
/// member by member. The files are read as glibc reads them, for the parts a stub resolver of addresses uses:
///
/// - `nameserver ADDRESS`: an IPv4 or IPv6 address, port 53; at most three (glibc's `MAXNS`), later ones are
///   ignored, as is an address with a zone (`fe80::1%eth0`). With none, the name server is `127.0.0.1`.
/// - `search DOMAIN …` and `domain DOMAIN`: the search list; the last of the two lines wins.
/// - `options ndots:N` (at most 15) and `options attempts:N` (at most 5); other options are ignored, `timeout:N`
///   among them, because a lookup's time is bounded by the resolver's own timeout instead.
/// - Lines starting with `#` or `;` are comments, and so is the rest of a line from either character.
///
/// Unlike glibc, a configuration without `search` or `domain` has an empty search list (glibc takes the domain of
/// the machine's host name), and the `LOCALDOMAIN` and `RES_OPTIONS` environment variables are not read.
public struct ResolverConfiguration: Sendable, Hashable {
    /// A name server: an address and a port.
    public struct NameServer: Sendable, Hashable, CustomStringConvertible {
        /// The name server's address.
        public var address: IPAddress
        /// The UDP and TCP port it answers on.
        public var port: Int

        /// A name server at `address` and `port`.
        ///
        /// - Parameters:
        ///   - address: The name server's address.
        ///   - port: Its port; 53 unless given.
        public init(address: IPAddress, port: Int = 53) {
            self.address = address
            self.port = port
        }

        /// The address and port as written in a URL authority: `127.0.0.1:53`, `[::1]:53`.
        public var description: String { "\(address.urlHost):\(port)" }
    }

    /// The name servers to ask, in order; queries move to the next one when one fails or is slow to answer.
    public var nameServers: [NameServer]

    /// The domains appended to a name with fewer than ``ndots`` dots (and tried after the name itself otherwise).
    public var searchDomains: [String]

    /// How many dots make a name worth trying as it is before the search list; 1 unless the file says otherwise.
    public var ndots: Int

    /// How many times each name server is tried for one query; 2 unless the file says otherwise.
    public var attempts: Int

    /// The addresses `/etc/hosts` gives each name (lowercase, without a trailing dot), in the file's order.
    public var hosts: [String: [IPAddress]]

    /// The name server glibc asks when `/etc/resolv.conf` names none: `127.0.0.1`, port 53.
    public static let fallbackNameServer = NameServer(address: .v4([127, 0, 0, 1]))

    /// The largest `ndots` glibc accepts.
    static let maximumNdots = 15
    /// The largest `attempts` glibc accepts.
    static let maximumAttempts = 5
    /// How many name servers glibc reads (`MAXNS`).
    static let maximumNameServers = 3

    /// A configuration given member by member.
    ///
    /// - Parameters:
    ///   - nameServers: The name servers to ask, in order; ``fallbackNameServer`` unless given.
    ///   - searchDomains: The search list; empty unless given.
    ///   - ndots: Dots that make a name be tried as it is first; 1 unless given.
    ///   - attempts: Tries of each name server for one query; 2 unless given.
    ///   - hosts: Addresses that win over DNS, by name; none unless given.
    public init(
        nameServers: [NameServer] = [Self.fallbackNameServer],
        searchDomains: [String] = [],
        ndots: Int = 1,
        attempts: Int = 2,
        hosts: [String: [IPAddress]] = [:]
    ) {
        self.nameServers = nameServers
        self.searchDomains = searchDomains
        self.ndots = ndots
        self.attempts = attempts
        self.hosts = hosts
    }

    /// Reads the text of a `resolv.conf` and of a `hosts` file.
    ///
    /// Nothing in either text is an error: a line that cannot be read is skipped, as glibc does.
    ///
    /// - Parameters:
    ///   - resolvConf: The text of `/etc/resolv.conf`.
    ///   - hosts: The text of `/etc/hosts`; none unless given.
    public init(resolvConf: String, hosts: String = "") {
        self.init(hosts: Self.parseHosts(hosts))
        var nameServers: [NameServer] = []
        for line in resolvConf.split(whereSeparator: \.isNewline) {
            let words = Self.words(of: line)
            guard let keyword = words.first else { continue }
            let arguments = words.dropFirst()
            switch keyword {
            case "nameserver":
                guard nameServers.count < Self.maximumNameServers, let text = arguments.first,
                    let address = IPAddress(literal: String(text))
                else { continue }
                nameServers.append(NameServer(address: address))
            case "domain":
                searchDomains = arguments.prefix(1).compactMap(Self.domain)
            case "search":
                searchDomains = arguments.compactMap(Self.domain)
            case "options":
                for option in arguments {
                    if let value = Self.value(of: "ndots:", in: option) {
                        ndots = min(value, Self.maximumNdots)
                    } else if let value = Self.value(of: "attempts:", in: option) {
                        attempts = max(1, min(value, Self.maximumAttempts))
                    }
                }
            default:
                continue
            }
        }
        self.nameServers = nameServers.isEmpty ? [Self.fallbackNameServer] : nameServers
    }

    /// Reads `/etc/resolv.conf` and `/etc/hosts`, as glibc would for a new process.
    ///
    /// A file that cannot be read counts as empty, so a machine without `/etc/resolv.conf` asks `127.0.0.1`.
    ///
    /// - Important: This reads two files synchronously: call it once, when the resolver is built, not per lookup.
    /// - Returns: The machine's resolver configuration.
    public static func system() -> ResolverConfiguration {
        ResolverConfiguration(resolvConf: readFile("/etc/resolv.conf"), hosts: readFile("/etc/hosts"))
    }

    /// Reads the text of a `hosts` file: an address, then the names it stands for, on each line.
    ///
    /// Names are lowercased and lose a trailing dot; a name on several lines gets the addresses of all of them, in
    /// the file's order and without repeats. Comments run from `#` to the end of the line; a line whose address
    /// does not parse (or has a zone) is skipped.
    ///
    /// - Parameter text: The file's text.
    /// - Returns: The addresses of each name.
    public static func parseHosts(_ text: String) -> [String: [IPAddress]] {
        var hosts: [String: [IPAddress]] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = words(of: line, commentCharacters: ["#"])
            guard fields.count >= 2, let address = IPAddress(literal: String(fields[0])) else { continue }
            for field in fields.dropFirst() {
                guard let name = domain(field) else { continue }
                if !hosts[name, default: []].contains(address) {
                    hosts[name, default: []].append(address)
                }
            }
        }
        return hosts
    }

    /// A line's words, separated by spaces and tabs, up to a comment.
    private static func words(
        of line: Substring,
        commentCharacters: Set<Character> = ["#", ";"]
    ) -> [Substring] {
        let content = line.prefix { !commentCharacters.contains($0) }
        return content.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// A domain in hookd's spelling (lowercase, no trailing dot), or `nil` for the root or an empty word.
    private static func domain(_ word: Substring) -> String? {
        var name = word.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name.isEmpty ? nil : name
    }

    /// The number after `prefix` in an option such as `ndots:2`, or `nil` when the option is another.
    private static func value(of prefix: String, in option: Substring) -> Int? {
        guard option.hasPrefix(prefix) else { return nil }
        return Int(option.dropFirst(prefix.count)).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// A file's text, or the empty string when it cannot be read.
    private static func readFile(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
