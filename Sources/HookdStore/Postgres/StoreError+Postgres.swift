extension StoreError {
    /// Why hookd could not use a PostgreSQL database: a URL it cannot read, a server it cannot reach, or a server
    /// that refused it.
    ///
    /// Messages name the server as `host:port` and never contain the password or any row data.
    public struct PostgresConnectionError: Error, CustomStringConvertible {
        fileprivate enum Reason {
            case invalidURL(problem: String)
            case unreachable(endpoint: String, detail: String)
            case refused(endpoint: String, message: String)
        }

        fileprivate let reason: Reason

        fileprivate init(_ reason: Reason) {
            self.reason = reason
        }

        /// A sentence for an operator, naming the server and what went wrong.
        public var description: String {
            switch reason {
            case .invalidURL(let problem):
                "the PostgreSQL URL cannot be used: \(problem) "
                    + "(expected postgres://user:password@host:port/database?sslmode=disable|require)"
            case .unreachable(let endpoint, let detail):
                "cannot reach the PostgreSQL server at \(endpoint): \(detail); "
                    + "check that it is running and that host and port are right"
            case .refused(let endpoint, let message):
                "the PostgreSQL server at \(endpoint) refused the connection: \(message)"
            }
        }
    }

    /// The PostgreSQL URL is malformed or asks for something hookd does not support.
    ///
    /// - Parameter problem: What is wrong, without the URL itself (it may hold a password).
    public static func invalidPostgresURL(_ problem: String) -> PostgresConnectionError {
        PostgresConnectionError(.invalidURL(problem: problem))
    }

    /// No connection to the PostgreSQL server could be opened (refused, timed out, unknown host).
    ///
    /// - Parameters:
    ///   - host: The server's host name or address.
    ///   - port: The server's TCP port.
    ///   - detail: What the network said, for example `connection refused`.
    public static func postgresUnreachable(host: String, port: Int, detail: String) -> PostgresConnectionError {
        PostgresConnectionError(.unreachable(endpoint: endpoint(host: host, port: port), detail: detail))
    }

    /// The PostgreSQL server answered but would not open a session (bad credentials, no such database, no TLS).
    ///
    /// - Parameters:
    ///   - host: The server's host name or address.
    ///   - port: The server's TCP port.
    ///   - message: The server's own message, which names no secret.
    public static func postgresRefused(host: String, port: Int, message: String) -> PostgresConnectionError {
        PostgresConnectionError(.refused(endpoint: endpoint(host: host, port: port), message: message))
    }

    private static func endpoint(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
