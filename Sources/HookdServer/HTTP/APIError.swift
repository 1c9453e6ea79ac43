import HookdCore
import Hummingbird

/// An error the API answers with: its status, its code from the error table, and what the client may read.
///
/// Every failure of a request ends as one of these, in one place (``EnvelopeMiddleware``); nothing else
/// writes an error body. Messages and details are written for the customer and never carry internal text.
struct APIError: Error, Sendable {
    /// One invalid field of a request body.
    struct FieldError: Sendable, Equatable {
        let field: String
        let message: String
    }

    let status: HTTPResponse.Status
    let code: String
    let message: String
    var detail: String?
    var fields: [FieldError] = []
    var headers: HTTPFields = [:]

    static func validation(_ fields: [FieldError], detail: String? = nil) -> APIError {
        APIError(
            status: .badRequest,
            code: "VALIDATION_ERROR",
            message: "The request is invalid",
            detail: detail,
            fields: fields
        )
    }

    static func validation(field: String, _ message: String) -> APIError {
        validation([FieldError(field: field, message: message)])
    }

    /// An event name that is not in the app's catalogue: `400` on v3, `422` on the v3.20 endpoint routes
    /// (SPEC §11.1).
    static func invalidEventType(
        field: String,
        _ message: String,
        status: HTTPResponse.Status = .badRequest
    ) -> APIError {
        APIError(
            status: status,
            code: "INVALID_EVENT_TYPE",
            message: "Unknown event type",
            detail: message,
            fields: [FieldError(field: field, message: message)]
        )
    }

    static let tokenMissing = APIError(
        status: .unauthorized,
        code: "AUTH_TOKEN_MISSING",
        message: "Authentication token is missing",
        detail: "Send the access token as Authorization: Bearer <token>"
    )

    static func tokenInvalid(_ detail: String) -> APIError {
        APIError(
            status: .unauthorized,
            code: "AUTH_TOKEN_INVALID",
            message: "Authentication token is invalid",
            detail: detail
        )
    }

    static let invalidCredentials = APIError(
        status: .unauthorized,
        code: "AUTH_INVALID_CREDENTIALS",
        message: "Invalid app credentials"
    )

    static let appInactive = APIError(
        status: .forbidden,
        code: "AUTH_APP_INACTIVE",
        message: "The app is suspended",
        detail: "Contact the platform to reactivate the app"
    )

    static let refreshFailed = APIError(
        status: .unauthorized,
        code: "AUTH_TOKEN_REFRESH_FAILED",
        message: "Token can no longer be refreshed",
        detail: "Tokens can be refreshed up to 5 minutes after they expire; request a new one with /auth/token"
    )

    static func scopeDenied(_ scope: String) -> APIError {
        APIError(
            status: .forbidden,
            code: "AUTH_SCOPE_DENIED",
            message: "The token lacks the required scope",
            detail: "This route requires the \(scope) scope"
        )
    }

    static let notFound = APIError(status: .notFound, code: "RESOURCE_NOT_FOUND", message: "Resource not found")

    static let webhookNotConfigured = APIError(
        status: .conflict,
        code: "WEBHOOK_NOT_CONFIGURED",
        message: "Webhook URL is not configured",
        detail: "Set a webhook URL with PUT /webhooks first"
    )

    static func httpsRequired(_ detail: String, field: String = "webhookUrl") -> APIError {
        APIError(
            status: .badRequest,
            code: "WEBHOOK_HTTPS_REQUIRED",
            message: "Webhook URL must use HTTPS",
            detail: detail,
            fields: [FieldError(field: field, message: detail)]
        )
    }

    static func urlForbidden(_ detail: String, field: String = "webhookUrl") -> APIError {
        APIError(
            status: .badRequest,
            code: "WEBHOOK_URL_FORBIDDEN",
            message: "Webhook URL is not allowed",
            detail: detail,
            fields: [FieldError(field: field, message: detail)]
        )
    }

    static func payloadTooLarge(limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge,
            code: "PAYLOAD_TOO_LARGE",
            message: "Request body is too large",
            detail: "The limit is \(limit) bytes"
        )
    }

    static func rateLimited(retryAfterSeconds: Int64) -> APIError {
        var error = APIError(
            status: .tooManyRequests,
            code: "RATE_LIMIT_EXCEEDED",
            message: "Too many requests",
            detail: "Retry after \(retryAfterSeconds) seconds"
        )
        error.headers[.retryAfter] = String(retryAfterSeconds)
        return error
    }

    /// The listener has as many connections open as it allows.
    static let connectionLimit = serviceUnavailable(
        "The server has as many connections open as it allows; retry shortly"
    )

    /// A connection over the number one client address may hold open.
    static let connectionLimitPerAddress = APIError(
        status: .tooManyRequests,
        code: "RATE_LIMIT_EXCEEDED",
        message: "Too many requests",
        detail: "This address has as many connections open as one address may; reuse them or retry shortly",
        headers: [.retryAfter: "1"]
    )

    /// A delivery retried by hand as often as allowed.
    static func retryLimitReached(_ limit: Int) -> APIError {
        APIError(
            status: .conflict,
            code: "DELIVERY_RETRY_LIMIT_REACHED",
            message: "This delivery cannot be retried again",
            detail: "A delivery may be retried by hand \(limit) times; publish the event again with a new eventId"
        )
    }

    /// An app with as many endpoints as it may have (SPEC §13).
    static func endpointLimitReached(_ limit: Int) -> APIError {
        APIError(
            status: .conflict,
            code: "ENDPOINT_LIMIT_REACHED",
            message: "This app has as many webhook endpoints as it may have",
            detail: "An app may have \(limit) webhook endpoints; delete one before creating another"
        )
    }

    static let unexpected = APIError(
        status: .internalServerError,
        code: "INTERNAL_ERROR",
        message: "An internal error occurred"
    )

    /// The database does not answer for now; the caller may repeat the request after `Retry-After`.
    static let unavailable = serviceUnavailable("The database does not answer; retry shortly")

    /// The database answers but cannot write (a full disk, a read-only database): nothing was stored, and the
    /// same request succeeds once the operator has made room. Retried after 10 s rather than 1: room takes a while.
    static let storeCannotWrite: APIError = {
        var error = serviceUnavailable("The service cannot store anything just now; nothing was stored, retry later")
        error.headers[.retryAfter] = "10"
        return error
    }()

    /// This error with another `detail`.
    func withDetail(_ detail: String) -> APIError {
        var error = self
        error.detail = detail
        return error
    }

    /// A `503 SERVICE_UNAVAILABLE` that may be repeated after one second, saying why in `detail`.
    private static func serviceUnavailable(_ detail: String) -> APIError {
        var error = APIError(
            status: .serviceUnavailable,
            code: "SERVICE_UNAVAILABLE",
            message: "The service is unavailable",
            detail: detail
        )
        error.headers[.retryAfter] = "1"
        return error
    }
}

extension APIError {
    /// The answer to a webhook URL the policy refuses, naming the request's `field`.
    init(_ violation: WebhookURLPolicy.Violation, field: String) {
        switch violation.kind {
        case .invalid: self = .validation(field: field, violation.message)
        case .httpsRequired: self = .httpsRequired(violation.message, field: field)
        case .forbidden, .unresolved: self = .urlForbidden(violation.message, field: field)
        }
    }
}
