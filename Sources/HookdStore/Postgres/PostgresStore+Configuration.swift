import HookdCore
import PostgresNIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension PostgresStore {
    /// Where the PostgreSQL server is and how to connect to it.
    ///
    /// Usually read from a URL with ``init(url:)``; the fields can be changed afterwards.
    public struct Configuration: Sendable {
        /// How the connection is encrypted, with the meanings of libpq's `sslmode`.
        public enum TLSMode: String, Sendable, CaseIterable {
            /// Never use TLS.
            case disable
            /// Use TLS when the server offers it, without checking its certificate (libpq's default).
            case prefer
            /// Require TLS, without checking the server's certificate.
            case require
            /// Require TLS and a certificate signed by a trusted authority, for any host name.
            case verifyCA = "verify-ca"
            /// Require TLS and a trusted certificate for the host name connected to.
            case verifyFull = "verify-full"
        }

        /// The server's host name or address.
        public var host: String
        /// The server's TCP port. Default: 5432.
        public var port: Int
        /// The role to log in as.
        public var username: String
        /// The role's password, if the server asks for one.
        public var password: String?
        /// The database to open; `nil` means the database named like the role.
        public var database: String?
        /// Default: ``TLSMode/prefer``, as libpq.
        public var tls: TLSMode
        /// Run-time settings for every session, in the form of libpq's `options` (`-c search_path=hookd`).
        public var startupOptions: String?
        /// Shown in `pg_stat_activity`. Default: `hookd`.
        public var applicationName: String
        /// How long to wait for a connection to open. Default: 10 seconds.
        public var connectTimeout: Duration
        /// The most connections the store's pool opens at once. Default: 20.
        public var maximumConnections: Int
        /// The most connections the dispatcher's pool opens at once, beside ``maximumConnections``: it runs the
        /// claims, attempt records, publishes and next-due-time queries, one statement at a time each, in sessions
        /// that plan them once (``PostgresStore/plannedOnceSettings``). Default: 4.
        public var dispatchConnections: Int
        /// How long one statement may run before the server cancels it (rolled back; the caller is told the database
        /// is unavailable); the caller stops waiting for a statement or transaction 2 s after it. Default: 10 seconds.
        public var queryTimeout: Duration

        /// A configuration with the defaults documented on each field.
        ///
        /// - Parameters:
        ///   - host: The server's host name or address.
        ///   - port: The server's TCP port.
        ///   - username: The role to log in as.
        ///   - password: The role's password, if any.
        ///   - database: The database to open.
        ///   - tls: How the connection is encrypted.
        public init(
            host: String,
            port: Int = 5432,
            username: String,
            password: String?,
            database: String?,
            tls: TLSMode = .prefer
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.tls = tls
            self.startupOptions = nil
            self.applicationName = "hookd"
            self.connectTimeout = .seconds(10)
            self.maximumConnections = 20
            self.dispatchConnections = 4
            self.queryTimeout = .seconds(10)
        }

        /// Reads `postgres://user:password@host:port/database?sslmode=…` (or `postgresql://`).
        ///
        /// User, password and database may be percent-encoded. Query parameters, as in libpq: `sslmode`
        /// (`disable`, `allow`, `prefer`, `require`, `verify-ca`, `verify-full`), `options`, `application_name`
        /// and `connect_timeout` (seconds); and hookd's own `pool_size` (``maximumConnections``),
        /// `dispatch_pool_size` (``dispatchConnections``) and `query_timeout` (seconds, ``queryTimeout``).
        /// - Parameter url: The database URL.
        /// - Throws: ``StoreError/PostgresConnectionError`` naming what is wrong (never the password) when the URL
        ///   is malformed or holds a parameter hookd does not know.
        public init(url: String) throws {
            guard let components = URLComponents(string: url) else {
                throw StoreError.invalidPostgresURL("it is not a URL")
            }
            guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
                throw StoreError.invalidPostgresURL("the scheme must be postgres:// or postgresql://")
            }
            guard var host = components.host, !host.isEmpty else {
                throw StoreError.invalidPostgresURL("it names no host")
            }
            if host.hasPrefix("["), host.hasSuffix("]") {
                host = String(host.dropFirst().dropLast())
            }
            guard let username = components.user, !username.isEmpty else {
                throw StoreError.invalidPostgresURL("it names no user")
            }
            let port = components.port ?? 5432
            guard (1...65_535).contains(port) else {
                throw StoreError.invalidPostgresURL("the port must be between 1 and 65535")
            }
            var path = Substring(components.path)
            if path.hasPrefix("/") {
                path = path.dropFirst()
            }
            guard !path.contains("/") else {
                throw StoreError.invalidPostgresURL("the path must be just the database name")
            }
            self.init(
                host: host,
                port: port,
                username: username,
                password: components.password,
                database: path.isEmpty ? nil : String(path)
            )
            for item in components.queryItems ?? [] {
                try apply(parameter: item.name, value: item.value ?? "")
            }
        }

        private mutating func apply(parameter name: String, value: String) throws {
            switch name {
            case "sslmode":
                if value == "allow" {
                    tls = .prefer
                } else if let mode = TLSMode(rawValue: value) {
                    tls = mode
                } else {
                    throw StoreError.invalidPostgresURL(
                        "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full"
                    )
                }
            case "options":
                startupOptions = value
            case "application_name":
                applicationName = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw StoreError.invalidPostgresURL("connect_timeout must be a positive number of seconds")
                }
                connectTimeout = .seconds(seconds)
            case "pool_size":
                guard let size = Int(value), (1...1000).contains(size) else {
                    throw StoreError.invalidPostgresURL("pool_size must be a number of connections from 1 to 1000")
                }
                maximumConnections = size
            case "dispatch_pool_size":
                guard let size = Int(value), (1...100).contains(size) else {
                    throw StoreError.invalidPostgresURL(
                        "dispatch_pool_size must be a number of connections from 1 to 100"
                    )
                }
                dispatchConnections = size
            case "query_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw StoreError.invalidPostgresURL("query_timeout must be a positive number of seconds")
                }
                queryTimeout = .seconds(seconds)
            default:
                throw StoreError.invalidPostgresURL("the parameter \(name) is not supported")
            }
        }

        /// The server as `host:port`, for messages.
        var endpoint: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }

        /// The session settings of the pool's connections: the server itself cancels (and so rolls back) a
        /// statement that runs past ``queryTimeout``, and ends a session left idle inside a transaction, so an
        /// operation the caller has given up on is not committed behind its back. Options from the URL come after
        /// and may override them.
        var startupParameters: [(String, String)] {
            let limit = queryTimeout.wholeMilliseconds
            let bounds = "-c statement_timeout=\(limit) -c idle_in_transaction_session_timeout=\(2 * limit)"
            return [
                ("application_name", applicationName),
                ("options", startupOptions.map { bounds + " " + $0 } ?? bounds),
            ]
        }

        /// The session settings of the dispatcher's pool: the pool's, then the planner's choices that make a prepared
        /// statement's plan independent of the statistics of the moment (``PostgresStore/plannedOnceSettings``),
        /// after the URL's options so that they hold whatever those say.
        var plannedOnceStartupParameters: [(String, String)] {
            let settings = PostgresStore.plannedOnceSettings.map { "-c \($0.name)=\($0.value)" }.joined(separator: " ")
            return startupParameters.map { name, value in
                name == "options" ? (name, value + " " + settings) : (name, value)
            }
        }

        /// The session settings of a connection outside the pool (migrations, which may run long, and `LISTEN`).
        var unboundedStartupParameters: [(String, String)] {
            var parameters = [("application_name", applicationName)]
            if let startupOptions {
                parameters.append(("options", startupOptions))
            }
            return parameters
        }

        func tlsConfiguration() -> TLSConfiguration? {
            var configuration = TLSConfiguration.makeClientConfiguration()
            switch tls {
            case .disable:
                return nil
            case .prefer, .require:
                configuration.certificateVerification = .none
            case .verifyCA:
                configuration.certificateVerification = .noHostnameVerification
            case .verifyFull:
                configuration.certificateVerification = .fullVerification
            }
            return configuration
        }

        /// The pool's configuration.
        func clientConfiguration() -> PostgresClient.Configuration {
            clientConfiguration(maximumConnections: maximumConnections, startupParameters: startupParameters)
        }

        /// The dispatcher's pool's configuration (``dispatchConnections``, ``plannedOnceStartupParameters``).
        func dispatchClientConfiguration() -> PostgresClient.Configuration {
            clientConfiguration(
                maximumConnections: dispatchConnections,
                startupParameters: plannedOnceStartupParameters
            )
        }

        private func clientConfiguration(
            maximumConnections: Int,
            startupParameters: [(String, String)]
        ) -> PostgresClient.Configuration {
            let clientTLS: PostgresClient.Configuration.TLS =
                switch (tls, tlsConfiguration()) {
                case (_, nil): .disable
                case (.prefer, let configuration?): .prefer(configuration)
                case (_, let configuration?): .require(configuration)
                }
            var configuration = PostgresClient.Configuration(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: clientTLS
            )
            configuration.options.connectTimeout = connectTimeout
            configuration.options.maximumConnections = maximumConnections
            configuration.options.additionalStartupParameters = startupParameters
            return configuration
        }

        /// The configuration of one connection outside the pool (migrations), with its TLS context made once.
        func connectionConfiguration() throws -> PostgresConnection.Configuration {
            let connectionTLS: PostgresConnection.Configuration.TLS =
                switch (tls, tlsConfiguration()) {
                case (_, nil): .disable
                case (.prefer, let configuration?): .prefer(try NIOSSLContext(configuration: configuration))
                case (_, let configuration?): .require(try NIOSSLContext(configuration: configuration))
                }
            var configuration = PostgresConnection.Configuration(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: connectionTLS
            )
            let (seconds, attoseconds) = connectTimeout.components
            configuration.options.connectTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            configuration.options.additionalStartupParameters = unboundedStartupParameters
            return configuration
        }
    }
}
