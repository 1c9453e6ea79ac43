import Foundation
import HookdServerTestSupport
import Hummingbird
import NIOCore
import Synchronization

/// A receiver for ordered deliveries (SPEC §15) that is hostile in the usual ways: it answers slowly (2–15 ms) and
/// fails a third of requests at random (503). It records each request with the `webhook-id` it carried, whether it
/// was answered 2xx, and when its handling began and ended, so a test can tell the first successful receipt of each
/// event and whether two requests of one key overlapped.
final class OrderedReceiver: Sendable {
    /// One request, in the order requests arrived.
    struct Receipt: Sendable {
        let sequence: Int
        let eventID: String
        let succeeded: Bool
        let began: ContinuousClock.Instant
        var ended: ContinuousClock.Instant?
    }

    private let receipts = Mutex<[Receipt]>([])

    var all: [Receipt] { receipts.withLock { $0 } }

    /// The arrival sequence of each event's first request answered 2xx.
    var firstSuccesses: [String: Int] {
        receipts.withLock { receipts in
            var first: [String: Int] = [:]
            for receipt in receipts where receipt.succeeded && first[receipt.eventID] == nil {
                first[receipt.eventID] = receipt.sequence
            }
            return first
        }
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            let eventID = request.headers[.init("webhook-id")!] ?? ""
            let succeeded = Int.random(in: 0..<3) != 0
            let sequence = self.receipts.withLock { receipts in
                receipts.append(
                    Receipt(
                        sequence: receipts.count,
                        eventID: eventID,
                        succeeded: succeeded,
                        began: .now,
                        ended: nil
                    )
                )
                return receipts.count - 1
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 2...15)))
            self.receipts.withLock { $0[sequence].ended = .now }
            return Response(status: succeeded ? .ok : .serviceUnavailable)
        }
        return router
    }

    /// Serves on 127.0.0.1 while `body` runs, with the URL to deliver to.
    func withRunning<Result>(_ body: (_ url: String) async throws -> Result) async throws -> Result {
        let server = try await LoopbackServer.start(router(), label: "ordered-receiver")
        do {
            let result = try await body("http://127.0.0.1:\(server.port)/hook")
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}
