public import AsyncHTTPClient
import NIOCore
public import NIOHTTP1
import Synchronization

/// Sends HTTP requests from one AsyncHTTPClient, and times them.
///
/// Closed loop (``run(count:concurrency:expecting:request:)``): `concurrency` requests are always in flight, a new
/// one starting when one ends; this finds a server's capacity. Open loop (``pace(count:perSecond:request:)``):
/// requests start on a fixed schedule whatever the answers do, as a platform publishing at a steady rate would.
public final class LoadGenerator: Sendable {
    /// What a closed-loop run did.
    public struct Outcome: Sendable {
        /// Requests answered with the expected status.
        public var succeeded: Int
        /// Requests answered otherwise, or not at all; at most the first few descriptions are kept.
        public var failed: Int
        public var failures: [String]
        /// From the first request's start to the last answer, in seconds.
        public var seconds: Double
        /// Each successful request's time from start to the end of its answer.
        public var latencies: LatencySummary

        /// Successful requests per second.
        public var rate: Double { seconds > 0 ? Double(succeeded) / seconds : 0 }
    }

    private let client: HTTPClient

    /// - Parameter connections: Connections kept open to a host at most; give the concurrency of the runs.
    public init(connections: Int) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections),
            decompression: .disabled
        )
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes the client's connections.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends `count` requests, `concurrency` at a time, made by `request(index)`.
    ///
    /// - Parameters:
    ///   - expecting: The status that counts as a success.
    ///   - progress: Bumped after every answer, for a progress line.
    public func run(
        count: Int,
        concurrency: Int,
        expecting: HTTPResponseStatus,
        progress: Counter? = nil,
        request: @escaping @Sendable (Int) -> HTTPClientRequest
    ) async -> Outcome {
        let next = Counter()
        let start = BenchClock.now()
        let results = await withTaskGroup(of: WorkerResult.self) { group in
            for _ in 0..<max(1, min(concurrency, count)) {
                group.addTask {
                    var result = WorkerResult()
                    while true {
                        let index = next.increment()
                        guard index < count else { break }
                        let began = BenchClock.now()
                        let failure = await self.send(request(index), expecting: expecting)
                        if let failure {
                            result.failed += 1
                            if result.failures.count < 3 { result.failures.append(failure) }
                        } else {
                            result.latencies.append(BenchClock.now() &- began)
                        }
                        progress?.increment()
                    }
                    return result
                }
            }
            return await group.reduce(into: WorkerResult()) { total, part in
                total.failed += part.failed
                total.failures += part.failures.prefix(max(0, 3 - total.failures.count))
                total.latencies += part.latencies
            }
        }
        let seconds = BenchClock.seconds(from: start, to: BenchClock.now())
        return Outcome(
            succeeded: results.latencies.count,
            failed: results.failed,
            failures: results.failures,
            seconds: seconds,
            latencies: LatencySummary(nanoseconds: results.latencies)
        )
    }

    /// Starts `count` requests at `perSecond`, on schedule whether or not earlier ones were answered.
    ///
    /// - Parameter request: Makes request `index`; `started` is called with the index and the time it was sent.
    /// - Returns: The failures (status other than `expecting`, or no answer), at most the first few described.
    public func pace(
        count: Int,
        perSecond: Double,
        expecting: HTTPResponseStatus,
        started: @escaping @Sendable (Int, UInt64) -> Void,
        request: @escaping @Sendable (Int) -> HTTPClientRequest
    ) async -> (failed: Int, failures: [String]) {
        let start = BenchClock.now()
        let failures = FailureTally()
        await withDiscardingTaskGroup { group in
            for index in 0..<count {
                let due = start + UInt64(Double(index) / perSecond * 1e9)
                let now = BenchClock.now()
                if due > now {
                    try? await Task.sleep(for: .nanoseconds(Int64(due - now)))
                }
                group.addTask {
                    started(index, BenchClock.now())
                    if let failure = await self.send(request(index), expecting: expecting) {
                        failures.add(failure)
                    }
                }
            }
        }
        return failures.result
    }

    /// Sends one request and reads its answer; `nil` when the status was `expecting`, otherwise what happened.
    func send(_ request: HTTPClientRequest, expecting: HTTPResponseStatus) async -> String? {
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == expecting else {
                return "HTTP \(response.status.code): \(String(buffer: body).prefix(200))"
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Sends one request and returns its status and body, for a benchmark's setup steps.
    public func exchange(_ request: HTTPClientRequest) async throws -> (status: Int, body: [UInt8]) {
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), Array(body.readableBytesView))
    }
}

private struct WorkerResult: Sendable {
    var failed = 0
    var failures: [String] = []
    var latencies: [UInt64] = []
}

extension HTTPClientRequest {
    /// A request with a JSON body (or none), an optional bearer token, and `Content-Type: application/json`.
    public static func json(
        _ method: HTTPMethod,
        _ url: String,
        body: [UInt8]? = nil,
        bearer: String? = nil,
        headers: [(String, String)] = []
    ) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let bearer {
            request.headers.add(name: "authorization", value: "Bearer \(bearer)")
        }
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }
}

/// A count shared by tasks and read by a progress line.
public final class Counter: Sendable {
    private let value = Atomic(0)

    public init() {}

    /// Adds one and returns the value before.
    @discardableResult
    public func increment() -> Int {
        value.add(1, ordering: .relaxed).oldValue
    }

    public func set(_ newValue: Int) {
        value.store(newValue, ordering: .relaxed)
    }

    public var current: Int { value.load(ordering: .relaxed) }
}

/// Failures counted by concurrent tasks, the first few kept to show.
final class FailureTally: Sendable {
    private let state = Mutex((count: 0, first: [String]()))

    func add(_ failure: String) {
        state.withLock { state in
            state.count += 1
            if state.first.count < 3 { state.first.append(failure) }
        }
    }

    var result: (failed: Int, failures: [String]) { state.withLock { ($0.count, $0.first) } }
}
