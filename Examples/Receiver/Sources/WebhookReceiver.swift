import HookdVerify
import Hummingbird
import Synchronization

/// Receives hookd webhooks: verifies each delivery, ignores repeats, and hands new events to your code.
///
/// Copy this file into your service. The route reads the body as raw bytes and verifies those
/// bytes before anything parses them; it answers:
///
/// - `200 ok` for a new, verified event, once your handler has returned;
/// - `200 duplicate` for an event it has already processed (hookd delivers at least once, so the
///   same `eventId` can arrive again: after a retry, a replay from the delivery log, or a restart);
/// - `400` with a short reason for a delivery that fails verification (the reason never contains
///   the secret or a signature);
/// - `413` for a body over 1 MiB (hookd's are far smaller);
/// - `500` when your handler throws, so that hookd tries again later.
///
/// ```swift
/// let receiver = try WebhookReceiver(secret: secret) { delivery, body in
///     try await jobs.enqueue(event: delivery.event, id: delivery.eventId, body: body)
/// }
/// let app = Application(router: receiver.router())
/// ```
final class WebhookReceiver: Sendable {
    /// What your code does with a new, verified event: the verification result and the raw body.
    ///
    /// Keep it quick (hookd waits 10 seconds at most): store the event, in a database row or a job
    /// queue, and return; do the slow work elsewhere. Decode the payload from the body you are given,
    /// for example `body[delivery.dataRange!]` for the `data` value alone.
    typealias Handler = @Sendable (VerifiedDelivery, [UInt8]) async throws -> Void

    /// The largest body the route reads.
    static let maximumBodySize = 1 << 20

    /// What the route answers to one request.
    struct Answer: Sendable, Equatable {
        let status: HTTPResponse.Status
        let reason: String
    }

    private let verifier: WebhookVerifier
    private let recent: Mutex<RecentEventIDs>
    private let handler: Handler

    /// Creates a receiver for one webhook secret.
    ///
    /// - Parameters:
    ///   - secret: The webhook secret exactly as issued (`whsec_…`, or a bare string from another sender),
    ///     from your configuration (never a literal).
    ///   - capacity: How many recent event ids to remember for deduplication.
    ///   - handler: Called once per new, verified event.
    /// - Throws: `WebhookVerificationError.invalidSecret` when the secret is empty or has a space or a line
    ///   break at either end.
    init(secret: String, remembering capacity: Int = 10_000, handler: @escaping Handler) throws {
        verifier = try WebhookVerifier(secret: secret)
        recent = Mutex(RecentEventIDs(capacity: capacity))
        self.handler = handler
    }

    /// A router that serves `POST /<path>` (`/webhooks` by default).
    func router(path: RouterPath = "webhooks") -> Router<BasicRequestContext> {
        let router = Router()
        router.post(path) { request, _ -> Response in
            // The raw bytes, exactly as sent: never decode the JSON and encode it again before verifying.
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maximumBodySize)
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                return Self.response(Answer(status: .contentTooLarge, reason: "body over 1 MiB"))
            }
            // Every header goes to the verifier; it finds the ones it needs, whatever their case.
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
            }
            let answer = await self.receive(body: Array(body.readableBytesView), headers: headers)
            return Self.response(answer)
        }
        return router
    }

    /// Verifies one request, drops it if it is a repeat, and otherwise runs the handler.
    ///
    /// - Parameters:
    ///   - body: The raw request body.
    ///   - headers: The request headers.
    /// - Returns: The status and the short reason to answer with.
    func receive(body: [UInt8], headers: [String: String]) async -> Answer {
        let delivery: VerifiedDelivery
        do {
            // The verifier insists on a timestamped header scheme by default: the v3 `sign` covers the `data` value
            // only, so the event name and id beside it, and the time, are signed only by the header schemes.
            delivery = try verifier.verify(body: body, headers: headers)
        } catch {
            // The error's description names the scheme or header at fault, never a secret or a signature.
            return Answer(status: .badRequest, reason: "rejected: \(error)")
        }
        guard let eventID = delivery.eventId else {
            return Answer(status: .badRequest, reason: "rejected: no eventId")
        }
        // Only verified deliveries reach this point, so a forged request cannot fill the set with ids.
        guard recent.withLock({ $0.insert(eventID) }) else {
            return Answer(status: .ok, reason: "duplicate")
        }
        do {
            try await handler(delivery, body)
        } catch {
            // Not processed: forget it, so that hookd's next attempt is processed, and ask for one.
            recent.withLock { $0.remove(eventID) }
            return Answer(status: .internalServerError, reason: "not processed, try again later")
        }
        return Answer(status: .ok, reason: "ok")
    }

    private static func response(_ answer: Answer) -> Response {
        Response(
            status: answer.status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: answer.reason + "\n"))
        )
    }
}

/// The most recent event ids, oldest forgotten first.
struct RecentEventIDs {
    private let capacity: Int
    private var members: Set<String> = []
    private var slots: [String?] = []
    private var next = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds `id`; returns `false` when it is already there.
    mutating func insert(_ id: String) -> Bool {
        guard members.insert(id).inserted else { return false }
        if slots.count < capacity {
            slots.append(id)
        } else {
            if let oldest = slots[next] { members.remove(oldest) }
            slots[next] = id
            next = (next + 1) % capacity
        }
        return true
    }

    /// Forgets `id`.
    mutating func remove(_ id: String) {
        guard members.remove(id) != nil, let slot = slots.firstIndex(of: id) else { return }
        slots[slot] = nil
    }
}
