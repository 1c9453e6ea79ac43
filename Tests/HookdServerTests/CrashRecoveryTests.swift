import AsyncHTTPClient
import Foundation
import HookdServerTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import Testing

/// At-least-once across a crash (SPEC §5.2): a `hookd serve` killed with SIGKILL mid-delivery loses no accepted event.
@Suite(.serialized) struct CrashRecoveryTests {
    static let eventCount = 5_000
    /// Events published before delivery is switched on; the rest are published while deliveries run.
    static let backlogCount = 4_000
    /// Publishes in flight at once.
    static let publishConcurrency = 16
    /// The first server is killed once the receiver has seen this many requests (10 % of the events).
    static let killAfterDeliveries = 500
    /// Attempts the first server may have in flight; a crash can repeat at most these.
    static let maximumInFlight = 64
    /// How long the receiver takes to answer, so that attempts are in flight when the first server dies.
    static let receiverDelay = Duration.milliseconds(20)

    /// Whether a publish got its 202.
    enum PublishOutcome: Sendable {
        case accepted
        /// The server answered, but not with the 202 and the eventId.
        case refused(String)
        /// No answer: the connection failed (the server is gone).
        case unreachable(String)
    }

    /// Set once the first server has been killed, so that no new publish is started against it.
    final class KillSwitch: Sendable {
        private let killed = Atomic<Bool>(false)
        var isKilled: Bool { killed.load(ordering: .acquiring) }
        func markKilled() { killed.store(true, ordering: .releasing) }
    }

    /// What the receiver had seen when the first server was killed.
    struct AtKill: Sendable {
        let reachedThreshold: Bool
        let requests: Int
        let distinctEvents: Int
    }

    static func serve(_ directory: String) throws -> ChildProcess {
        try ChildProcess([
            "serve", "--port", "0", "--data-dir", directory, "--allow-http-targets", "--allow-private-targets",
            "--max-in-flight", String(maximumInFlight),
        ])
    }

    static func port(of server: ChildProcess) async throws -> String {
        try #require(
            try await server.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#, seconds: 60),
            "\(server.standardError)"
        )
    }

    static func publishOne(
        index: Int,
        eventID: String,
        base: String,
        appID: String,
        operatorKey: String
    ) async
        -> PublishOutcome
    {
        let json = #"{"appId":"\#(appID)","event":"card.created","data":{"i":\#(index)},"eventId":"\#(eventID)"}"#
        do {
            let response = try await LiveHTTP.send(
                LiveHTTP.request(base + "/api/v3/internal/events", json: json, bearer: operatorKey)
            )
            guard response.status == 202, (response.body["data"] as? [String: Any])?["eventId"] as? String == eventID
            else { return .refused("\(response.status) \(response.body)") }
            return .accepted
        } catch {
            return .unreachable(String(describing: error))
        }
    }

    /// Publishes the events at `indices`, `publishConcurrency` at a time, and returns those that got a 202.
    ///
    /// A refused publish is tried again (up to three times). After the first publish that gets no answer, or once
    /// `killSwitch` is set, no new publish starts; the ones in flight finish (or are cancelled with the task).
    static func publish(
        _ indices: [Int],
        eventIDs: [String],
        base: String,
        appID: String,
        operatorKey: String,
        killSwitch: KillSwitch? = nil
    ) async -> (accepted: Set<Int>, refusals: [String], unreachable: Int) {
        var accepted = Set<Int>()
        var refusals: [String] = []
        var unreachable = 0
        var tries: [Int: Int] = [:]
        await withTaskGroup(of: (Int, PublishOutcome).self) { group in
            var pending = indices[...]
            var inFlight = 0
            while true {
                while inFlight < publishConcurrency, unreachable == 0, killSwitch?.isKilled != true,
                    let index = pending.popFirst()
                {
                    let eventID = eventIDs[index]
                    group.addTask {
                        (
                            index,
                            await publishOne(
                                index: index,
                                eventID: eventID,
                                base: base,
                                appID: appID,
                                operatorKey: operatorKey
                            )
                        )
                    }
                    inFlight += 1
                }
                guard let result = await group.next() else { break }
                let (index, outcome) = result
                inFlight -= 1
                switch outcome {
                case .accepted:
                    accepted.insert(index)
                case .refused(let reason):
                    refusals.append(reason)
                    tries[index, default: 1] += 1
                    if tries[index, default: 1] <= 3 { pending.append(index) }
                case .unreachable:
                    unreachable += 1
                }
            }
        }
        return (accepted, refusals, unreachable)
    }

    /// Kills `server` with SIGKILL once `receiver` has seen `killAfterDeliveries` requests (or after `seconds`).
    static func killWhenDelivered(
        _ server: ChildProcess,
        whenSeenBy receiver: TestReceiver,
        killSwitch: KillSwitch,
        seconds: Double = 120
    ) async -> AtKill {
        let deadline = Date().addingTimeInterval(seconds)
        while receiver.received.count < killAfterDeliveries, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        kill(server.identifier, SIGKILL)
        killSwitch.markKilled()
        let seen = receiver.received
        return AtKill(
            reachedThreshold: seen.count >= killAfterDeliveries,
            requests: seen.count,
            distinctEvents: Set(seen.compactMap { $0.header("webhook-id") }).count
        )
    }

    @Test func aServerKilledMidDeliveryLosesNoAcceptedEvent() async throws {
        let directory = LiveHTTP.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let created = try await ChildProcess.run([
            "apps", "create", "--name", "Crash Test", "--json", "--data-dir", directory,
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let app = try #require(
            try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String],
            "\(created.stdout)"
        )
        let appID = try #require(app["appId"])
        let secretKey = try #require(app["secretKey"])
        let operatorKey = try await ChildProcess.run(["operator-key", "--data-dir", directory]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(operatorKey.hasPrefix("hok_"))

        let receiver = TestReceiver(fallback: .delayed(Self.receiverDelay, .status(200)))
        try await receiver.withRunning { running in

            let first = try Self.serve(directory)
            defer { if first.isRunning { kill(first.identifier, SIGKILL) } }
            let firstBase = "http://127.0.0.1:\(try await Self.port(of: first))"
            let token = try await LiveHTTP.token(base: firstBase, appID: appID, secretKey: secretKey)
            let configured = try await LiveHTTP.setWebhookURL(running.url, base: firstBase, token: token)
            let secret = try #require(
                (configured["data"] as? [String: Any])?["webhookSecret"] as? String,
                "\(configured)"
            )

            // A backlog: most events are published while delivery is switched off, so none is sent yet.
            let eventIDs = (0..<Self.eventCount).map { _ in UUID().uuidString.lowercased() }
            _ = try await LiveHTTP.setWebhookURL(nil, base: firstBase, token: token)
            let backlog = await Self.publish(
                Array(0..<Self.backlogCount),
                eventIDs: eventIDs,
                base: firstBase,
                appID: appID,
                operatorKey: operatorKey
            )
            #expect(backlog.accepted.count == Self.backlogCount, "\(backlog.refusals.prefix(3))")
            #expect(receiver.received.isEmpty, "nothing is sent while the URL is unset")

            // Switch delivery on, publish the rest meanwhile, and kill the server with SIGKILL once 10 % have arrived.
            _ = try await LiveHTTP.setWebhookURL(running.url, base: firstBase, token: token)
            let killSwitch = KillSwitch()
            let publishing = Task {
                await Self.publish(
                    Array(Self.backlogCount..<Self.eventCount),
                    eventIDs: eventIDs,
                    base: firstBase,
                    appID: appID,
                    operatorKey: operatorKey,
                    killSwitch: killSwitch
                )
            }
            let atKill = await Self.killWhenDelivered(first, whenSeenBy: receiver, killSwitch: killSwitch)
            // Publishes still waiting on the dead server are abandoned (their events count as not accepted).
            publishing.cancel()
            let racing = await publishing.value
            let beforeCrash = (
                accepted: backlog.accepted.union(racing.accepted), refusals: backlog.refusals + racing.refusals
            )
            #expect(
                atKill.reachedThreshold,
                "only \(atKill.requests) deliveries arrived before the first server was killed"
            )
            let firstExit = try await first.waitForExit(seconds: 30)
            #expect(firstExit == SIGKILL, "the first server ends by the signal, not on its own")
            #expect(
                beforeCrash.accepted.count > atKill.distinctEvents,
                "the first server died with accepted events still to deliver (\(beforeCrash.accepted.count) accepted)"
            )
            #expect(beforeCrash.refusals.isEmpty, "a live server refused publishes: \(beforeCrash.refusals.prefix(3))")

            // Restart on the same data directory; the events the first server never acknowledged are published again
            // with the same eventIds (idempotent, so one that was stored just before the crash is not doubled).
            let second = try Self.serve(directory)
            defer { if second.isRunning { kill(second.identifier, SIGKILL) } }
            let secondBase = "http://127.0.0.1:\(try await Self.port(of: second))"
            let rest = (0..<Self.eventCount).filter { !beforeCrash.accepted.contains($0) }
            let afterCrash = await Self.publish(
                rest,
                eventIDs: eventIDs,
                base: secondBase,
                appID: appID,
                operatorKey: operatorKey
            )
            #expect(afterCrash.refusals.isEmpty, "\(afterCrash.refusals.prefix(3))")
            #expect(afterCrash.unreachable == 0)
            let accepted = beforeCrash.accepted.union(afterCrash.accepted)
            #expect(accepted.count == Self.eventCount)

            // Every accepted event arrives at least once.
            let expected = Set(accepted.map { eventIDs[$0] })
            let deadline = Date().addingTimeInterval(180)
            var seen = Set<String>()
            while Date() < deadline {
                seen = Set(receiver.received.compactMap { $0.header("webhook-id") })
                if seen.isSuperset(of: expected) { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            let lost = expected.subtracting(seen)
            #expect(lost.isEmpty, "\(lost.count) accepted events never arrived, e.g. \(lost.prefix(3))")
            #expect(seen.isSubset(of: Set(eventIDs)), "only published events are delivered")

            // The delivery log agrees once the last attempts are recorded.
            let secondToken = try await LiveHTTP.token(base: secondBase, appID: appID, secretKey: secretKey)
            var succeeded: Int?
            var pending: Int?
            let logDeadline = Date().addingTimeInterval(60)
            while Date() < logDeadline {
                succeeded = try await LiveHTTP.deliveries("SUCCEEDED", base: secondBase, token: secondToken)
                pending = try await LiveHTTP.deliveries("PENDING", base: secondBase, token: secondToken)
                if succeeded == expected.count && pending == 0 { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(succeeded == expected.count, "SUCCEEDED in the log")
            #expect(pending == 0, "PENDING in the log")

            let requests = receiver.received
            let counts = Dictionary(grouping: requests, by: { $0.header("webhook-id") ?? "" }).mapValues(\.count)
            let distinct = counts.count
            let duplicates = requests.count - distinct
            print("crash test: \(accepted.count) accepted, \(distinct) delivered, \(duplicates) delivered twice")
            #expect(
                duplicates <= 2 * Self.maximumInFlight,
                "only attempts sending or being recorded at the crash are repeated (\(atKill.distinctEvents) had arrived then)"
            )

            // Deliveries verify, the repeated ones included: webhook-id is the body's eventId, signatures check out.
            let sample = requests.enumerated().filter { offset, request in
                offset % 25 == 0 || (counts[request.header("webhook-id") ?? ""] ?? 0) > 1
            }.map(\.element)
            let problems = try SpecSignatures.problems(inNumberedCardEvents: sample, secret: secret, eventIDs: eventIDs)
            #expect(
                problems.isEmpty,
                "\(problems.count) problems in \(sample.count) deliveries, e.g. \(problems.prefix(3))"
            )

            #expect(try await second.stop(seconds: 30) == 0, "SIGTERM shuts the second server down cleanly")
            await running.stop()
        }
    }
}
