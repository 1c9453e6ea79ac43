import Foundation
import HookdCore
import HookdStore
import HookdVerify
import Hummingbird
import Logging

/// `GET /health`, `GET /metrics` and `GET /api/v3/openapi.yaml`: what operators and tooling read.
struct OperationsRoutes: Sendable {
    let store: any HealthProbe
    let envelope: Envelope
    let metrics: RequestMetrics
    let storeWrites: StoreWriteMonitor
    let openAPIDocument: ByteBuffer
    /// The bearer token `/metrics` requires; `nil`: loopback clients only.
    let metricsToken: String?
    /// How long `/health` waits for the database (`--health-timeout`).
    let healthTimeout: Duration

    struct HealthData: JSONRepresentable {
        var json: JSONOutput {
            .object([
                ("status", .string("ok")), ("version", .string(HookdVersion.current)), ("database", .string("ok")),
            ])
        }
    }

    func addRoutes(to router: Router<HookdRequestContext>) {
        router.get("health", use: health)
        router.get("metrics", use: exposition)
        router.get("api/v3/openapi.yaml", use: openAPI)
    }

    @Sendable func health(_ request: Request, context: HookdRequestContext) async throws -> Response {
        do {
            // A health check must answer even while a connection attempt hangs (the pool waits up to a minute)
            // or a statement's answer was lost: `abandoning` stops waiting at the limit either way.
            try await abandoning(after: healthTimeout) { try await store.ping() }
        } catch {
            context.logger.warning("health check: the database does not answer")
            throw APIError.unavailable
        }
        if let problem = await storeWrites.problem() {
            // Logged by the monitor; the answer names the part that is unwell.
            throw APIError.storeCannotWrite.withDetail("The database answers but cannot write: \(problem)")
        }
        return envelope.success(
            HealthData(),
            message: "hookd is healthy",
            context: context
        )
    }

    /// `GET /metrics`: the Prometheus exposition, for the bearer of `--metrics-token`, or (with none configured) for
    /// a client on loopback. The counts name apps' routes and statuses: not for the internet to read.
    @Sendable func exposition(_ request: Request, context: HookdRequestContext) async throws -> Response {
        if let metricsToken {
            guard let presented = Authenticator.bearerToken(in: request.headers) else {
                throw APIError.tokenMissing
            }
            guard ConstantTime.equals(presented.utf8, metricsToken.utf8) else {
                throw APIError.tokenInvalid("/metrics takes the server's metrics token")
            }
        } else {
            guard let client = context.clientAddress.flatMap({ IPAddress(literal: $0) }), client.isLoopback else {
                throw APIError.tokenInvalid("/metrics answers loopback clients only; start hookd with --metrics-token")
            }
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition() + Array(storeWrites.exposition.utf8)))
        )
    }

    @Sendable func openAPI(_ request: Request, context: HookdRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: openAPIDocument))
    }

    /// The OpenAPI document bundled with the server.
    static func loadOpenAPIDocument() throws -> ByteBuffer {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return ByteBuffer(bytes: try Data(contentsOf: url))
    }
}

/// The version hookd reports in `User-Agent`, `/health` and `--version`.
public enum HookdVersion {
    public static let current = "0.1.0"
}
