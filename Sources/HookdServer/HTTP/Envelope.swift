import HTTPTypes
import HookdCore
import HookdStore
import Hummingbird

/// The `pagination` block of list responses.
struct Pagination {
    /// How many match; `nil` (written `null`) when not counted.
    let total: Int?
    let limit: Int
    let offset: Int
    let hasMore: Bool
    /// For the lists that page by cursor: where the next page begins (`null` on the last page); `nil` for the others,
    /// which have no `nextCursor` member.
    var nextCursor: String??

    /// A list whose `total` is exact: there is more past `offset + limit`.
    init(total: Int, limit: Int, offset: Int) {
        self.total = total
        self.limit = limit
        self.offset = offset
        self.hasMore = offset + limit < total
        self.nextCursor = nil
    }

    /// A page of a delivery log, which says itself whether there is more and where it goes on.
    init(_ page: DeliveryPage, query: LogPageQuery) {
        total = page.total
        limit = query.limit
        offset = query.offset
        hasMore = page.hasMore
        nextCursor = .some(page.hasMore ? page.next.map(LogCursor.encode) : nil)
    }

    var json: JSONOutput {
        var members: [(String, JSONOutput)] = [
            ("total", total.map { .int(Int64($0)) } ?? .null), ("limit", .int(Int64(limit))),
            ("offset", .int(Int64(offset))), ("hasMore", .bool(hasMore)),
        ]
        if let nextCursor { members.append(("nextCursor", nextCursor.map(JSONOutput.string) ?? .null)) }
        return .object(members)
    }
}

/// Builds the envelope responses. The only place response bodies of the API are encoded.
struct Envelope: Sendable {
    /// Where `meta.timestamp` comes from.
    let clock: any WallClock

    /// A success envelope around `data`:
    /// `{"success":true,"status":…,"message":…,"data":…,"pagination"?:…,"secret"?:…,"meta":…}`.
    ///
    /// - Parameters:
    ///   - secret: The one secret a v3.20 creation or rotation hands out, at the top level (SPEC §11).
    ///   - publicKey: An ED25519 endpoint's new public key (`whpk_…`), in the secret's place (SPEC §15).
    func success(
        _ data: some JSONRepresentable,
        message: String,
        status: HTTPResponse.Status = .ok,
        pagination: Pagination? = nil,
        secret: WebhookSecret? = nil,
        publicKey: String? = nil,
        context: HookdRequestContext
    ) -> Response {
        var members: [(String, JSONOutput)] = [
            ("success", .bool(true)), ("status", .int(Int64(status.code))), ("message", .string(message)),
            ("data", data.json),
        ]
        if let pagination { members.append(("pagination", pagination.json)) }
        if let secret { members.append(("secret", .string(secret.value))) }
        if let publicKey { members.append(("publicKey", .string(publicKey))) }
        members.append(("meta", meta(requestID: context.requestID, dialect: context.dialect)))
        return response(
            status: status,
            body: JSONOutput.object(members).bytes(timestamps: context.dialect.timestamps),
            context: context
        )
    }

    /// The error envelope of `error`: `{"success":false,"status":…,"message":…,"error":{…},"meta":…}`.
    func failure(_ error: APIError, context: HookdRequestContext) -> Response {
        let error = context.dialect.translate(error)
        var response = response(
            status: error.status,
            body: failureBody(error, requestID: context.requestID, dialect: context.dialect),
            context: context
        )
        response.headers.append(contentsOf: error.headers)
        return response
    }

    /// The bytes of `error`'s envelope, for answers written outside a request's handling (a refused connection).
    func failureBody(_ error: APIError, requestID: RequestID, dialect: APIDialect = .v3) -> [UInt8] {
        var body: [(String, JSONOutput)] = [("code", .string(error.code))]
        if let detail = error.detail { body.append(("detail", .string(detail))) }
        if !error.fields.isEmpty {
            body.append(
                (
                    "fields",
                    .array(
                        error.fields.map { .object([("field", .string($0.field)), ("message", .string($0.message))]) }
                    )
                )
            )
        }
        return JSONOutput.object([
            ("success", .bool(false)), ("status", .int(Int64(error.status.code))), ("message", .string(error.message)),
            ("error", .object(body)), ("meta", meta(requestID: requestID, dialect: dialect)),
        ]).bytes(timestamps: dialect.timestamps)
    }

    /// `{requestId, timestamp}`, with `platform` between them in the CaaS dialect.
    private func meta(requestID: RequestID, dialect: APIDialect) -> JSONOutput {
        var members: [(String, JSONOutput)] = [("requestId", .string(requestID.rawValue))]
        if let platform = dialect.platform { members.append(("platform", .string(platform))) }
        members.append(("timestamp", .timestamp(clock.unixSeconds)))
        return .object(members)
    }

    private func response(status: HTTPResponse.Status, body: [UInt8], context: HookdRequestContext) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .requestID: context.requestID.rawValue],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`, carrying `meta.requestId`.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
