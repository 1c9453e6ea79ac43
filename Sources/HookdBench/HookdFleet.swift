/// One or more `hookd serve` processes on one store: a single node (`--role all`), or, for PostgreSQL, an API node
/// and `workers` delivery workers (`--role api` and `--role worker`), as an operator scales them.
public struct HookdFleet: Sendable {
    /// The node the benchmark talks to: the only node, or the API node.
    public let api: HookdUnderTest
    /// The delivery workers, when they run apart.
    public let workers: [HookdUnderTest]

    /// Starts the fleet and waits until every node listens.
    ///
    /// - Parameter workers: 1 runs one node doing both; more runs an API node and that many workers (PostgreSQL only).
    public static func start(_ setup: HookdSetup, workers: Int) async throws -> HookdFleet {
        guard workers > 1 else { return HookdFleet(api: try await HookdUnderTest.start(setup), workers: []) }
        guard setup.databaseURL != nil else { throw BenchError("several workers need --database postgres://…") }
        var api = setup
        api.serveOptions += ["--role", "api"]
        let node = try await HookdUnderTest.start(api)
        var started: [HookdUnderTest] = []
        do {
            for _ in 0..<workers {
                var worker = setup
                worker.serveOptions += ["--role", "worker"]
                started.append(try await HookdUnderTest.start(worker))
            }
        } catch {
            for worker in started { await worker.stop() }
            await node.stop()
            throw error
        }
        return HookdFleet(api: node, workers: started)
    }

    /// Every process of the fleet.
    public var nodes: [HookdUnderTest] { [api] + workers }

    /// Stops every node.
    public func stop() async {
        for node in nodes.reversed() { await node.stop() }
    }

    /// The CPU time all its processes have used, in seconds.
    public var cpuSeconds: Double? {
        let readings = nodes.map { ProcessCPU.read(pid: $0.pid) }
        guard readings.allSatisfy({ $0 != nil }) else { return nil }
        return readings.reduce(0) { $0 + ($1?.seconds ?? 0) }
    }
}
