import HTTPTypes
import HookdCore

/// The two ways hookd's routes answer (SPEC §11.1, `FYATU-V3.20.md` §2.3): as the v3 API does, or as Fyatu's v3.20
/// multi-endpoint ("CaaS") pages show for `/api/v3.20/webhooks…`.
enum APIDialect: Sendable {
    /// `meta {requestId, timestamp}` with `+00:00`; validation `400`, `RESOURCE_NOT_FOUND`, `AUTH_SCOPE_DENIED`.
    case v3
    /// `meta {requestId, platform: "Fyatu CaaS", timestamp}` with `Z`, and `Z` in `data` too; validation `422`
    /// (`Validation failed`), an unknown or foreign webhook `404 WEBHOOK_NOT_FOUND`, a missing scope
    /// `403 INSUFFICIENT_SCOPE`.
    case caas

    /// The `platform` member of `meta`, if any.
    var platform: String? {
        switch self {
        case .v3: nil
        case .caas: "Fyatu CaaS"
        }
    }

    /// How timestamps are written.
    var timestamps: JSONOutput.TimestampStyle {
        switch self {
        case .v3: .offset
        case .caas: .zulu
        }
    }

    /// `error` as this dialect writes it; the v3 dialect writes every error as it is.
    func translate(_ error: APIError) -> APIError {
        guard self == .caas else { return error }
        switch (error.status, error.code) {
        case (.badRequest, "VALIDATION_ERROR"):
            return error.with(
                status: .unprocessableContent,
                message: "Validation failed",
                detail: error.detail ?? "One or more fields are invalid"
            )
        case (.badRequest, "INVALID_EVENT_TYPE"), (.badRequest, "WEBHOOK_HTTPS_REQUIRED"),
            (.badRequest, "WEBHOOK_URL_FORBIDDEN"):
            return error.with(status: .unprocessableContent)
        case (.notFound, "RESOURCE_NOT_FOUND"):
            return error.with(
                code: "WEBHOOK_NOT_FOUND",
                message: "Webhook not found",
                detail: error.detail ?? "No webhook of this business has this webhookId"
            )
        case (.forbidden, "AUTH_SCOPE_DENIED"):
            return error.with(code: "INSUFFICIENT_SCOPE", message: "Insufficient scope")
        default:
            return error
        }
    }
}

extension APIError {
    /// This error with the given parts replaced.
    fileprivate func with(
        status: HTTPResponse.Status? = nil,
        code: String? = nil,
        message: String? = nil,
        detail: String? = nil
    ) -> APIError {
        APIError(
            status: status ?? self.status,
            code: code ?? self.code,
            message: message ?? self.message,
            detail: detail ?? self.detail,
            fields: fields,
            headers: headers
        )
    }
}
