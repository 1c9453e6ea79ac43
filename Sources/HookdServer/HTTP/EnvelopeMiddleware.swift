import HookdCore
import HookdStore
import Hummingbird
import Logging

/// The one place errors become responses: every error thrown below it is answered as an error envelope.
///
/// ``APIError`` goes out as it is; Hummingbird's own errors (no route, body too large) are mapped to the
/// table's codes; a database that does not answer, or cannot write, is a 503 `SERVICE_UNAVAILABLE` with
/// `Retry-After`; anything else is logged here and answered as `INTERNAL_ERROR` with no detail. Every response
/// carries `X-Request-Id`. A declared `Content-Length` over the limit is refused before any handler runs.
struct EnvelopeMiddleware: RouterMiddleware {
    typealias Context = HookdRequestContext

    let envelope: Envelope
    let failures: FailureAnswers
    /// How the routes below answer. A group of routes in another dialect adds its own envelope middleware, which
    /// sets the dialect for its handlers and answers their failures (and authentication's, when added first).
    var dialect: APIDialect = .v3

    func handle(
        _ request: Request,
        context: HookdRequestContext,
        next: (Request, HookdRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.dialect = dialect
        do {
            if let length = request.headers[.contentLength].flatMap(Int.init), length > failures.maximumBodySize {
                throw APIError.payloadTooLarge(limit: failures.maximumBodySize)
            }
            var response = try await next(request, context)
            response.headers[.requestID] = context.requestID.rawValue
            return response
        } catch {
            return envelope.failure(failures.apiError(for: error, context: context), context: context)
        }
    }
}

/// What any error thrown while a request is handled is answered with, in one place: ``APIError`` as it is,
/// Hummingbird's own errors mapped to the table's codes, a database that does not answer or cannot write a 503 with
/// `Retry-After`, anything else `INTERNAL_ERROR` (logged here, with no detail in the body).
struct FailureAnswers: Sendable {
    let maximumBodySize: Int
    /// Told of every request that failed because the database could not write.
    let storeWrites: StoreWriteMonitor

    func apiError(for error: any Error, context: HookdRequestContext) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            return map(error)
        case let error where StoreError.reading(error)?.cannotWriteReason != nil:
            // Logged by the monitor, once a minute at most: a full disk fails every request that writes.
            storeWrites.recordFailure(StoreError.reading(error)?.cannotWriteReason ?? "")
            return .storeCannotWrite
        case let error as StoreError where error.isUnavailable:
            context.logger.warning("request failed: the database is unavailable", metadata: ["hookd.error": "\(error)"])
            return .unavailable
        default:
            context.logger.error(
                "request failed",
                metadata: ["hookd.error": .string(String(reflecting: type(of: error)))]
            )
            context.logger.debug("request failure detail", metadata: ["hookd.error.detail": .string("\(error)")])
            return .unexpected
        }
    }

    private func map(_ error: HTTPError) -> APIError {
        switch error.status {
        case .notFound, .methodNotAllowed: .notFound
        case .contentTooLarge: .payloadTooLarge(limit: maximumBodySize)
        case .badRequest: .validation([], detail: "The request could not be read")
        default: .unexpected
        }
    }
}
