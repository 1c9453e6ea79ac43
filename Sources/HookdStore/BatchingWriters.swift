public import ServiceLifecycle

/// A writer that writes in a task of its own, which can be awaited until what it was given is written.
public protocol DrainableWriter: Sendable {
    /// Returns once everything submitted so far has been written (or has failed) and the writer is idle.
    func drained() async
}

/// A node's batching writers as one service: at shutdown it waits until each has written what it was given.
///
/// Listed before the services that submit to the writers (the dispatcher records its attempts through one, the
/// publish route stores events through another), it stops after them: every record they made is written before
/// the group ends, the records of attempts interrupted by the shutdown timeout included (they are waited for within
/// the group's cancellation time).
public struct BatchingWriters: Service {
    let writers: [any DrainableWriter]

    /// - Parameter writers: The writers to wait for at shutdown.
    public init(_ writers: [any DrainableWriter]) {
        self.writers = writers
    }

    public func run() async throws {
        // Thrown when the group is cancelled instead: the writers are waited for all the same.
        try? await gracefulShutdown()
        for writer in writers {
            await writer.drained()
        }
    }
}
