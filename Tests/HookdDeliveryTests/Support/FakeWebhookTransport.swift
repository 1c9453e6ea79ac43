import HookdCore
import HookdDelivery

/// A ``WebhookTransport`` that sends nothing: it answers each request as the test scripted it (200 unless told
/// otherwise) and, while ``hold()`` is in force, keeps requests open until ``releaseHeld()``.
///
/// It notes the URLs of the requests open each time one opens, so a test can read how many were open at once, in
/// all and per app or endpoint.
final class FakeWebhookTransport: WebhookTransport {
    struct State: Sendable {
        /// The URL of every request, in the order they opened.
        var sent: [String] = []
        /// The URLs of the requests open now.
        var open: [String] = []
        /// ``open`` as it was each time a request opened.
        var openWhenOneOpened: [[String]] = []
        /// The answers still to give, per URL, in order; a URL without one is answered 200.
        var scripted: [String: [AttemptOutcome]] = [:]
        var holding = false
        var held: [CheckedContinuation<Void, Never>] = []

        /// The most requests open at once among those `matching`.
        func mostOpenAtOnce(matching: (String) -> Bool = { _ in true }) -> Int {
            openWhenOneOpened.map { $0.count(where: matching) }.max() ?? 0
        }
    }

    let state = Watched(State())

    /// Answers the next requests to `url` with `outcomes`, in order.
    func script(_ url: String, _ outcomes: AttemptOutcome...) {
        state.update { $0.scripted[url, default: []] += outcomes }
    }

    /// Keeps the requests that open from now on open until ``releaseHeld()``.
    func hold() {
        state.update { $0.holding = true }
    }

    /// Ends every request held open, and holds no more.
    func releaseHeld() {
        let held = state.update { state in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        for request in held { request.resume() }
    }

    func send(
        _ webhook: OutgoingWebhook,
        to target: WebhookURLPolicy.CheckedURL,
        timeout: Duration
    ) async -> TransportResult {
        let url = target.url
        let outcome = state.update { state in
            state.sent.append(url)
            state.open.append(url)
            state.openWhenOneOpened.append(state.open)
            return state.scripted[url]?.isEmpty == false
                ? state.scripted[url]!.removeFirst() : .answered(status: 200, retryAfter: nil)
        }
        await withCheckedContinuation { continuation in
            let holding = state.update { state in
                if state.holding { state.held.append(continuation) }
                return state.holding
            }
            if !holding { continuation.resume() }
        }
        state.update { state in
            if let index = state.open.firstIndex(of: url) { state.open.remove(at: index) }
        }
        return TransportResult(outcome: outcome, latency: .milliseconds(1), responseBody: [])
    }
}
