import HookdStore
import Synchronization
import Testing

/// `BatchingWriter`: every caller gets its own result once its batch is written, and writes arriving during a
/// write share the next one.
@Suite struct BatchingWriterTests {
    @Test func eachCallerGetsItsOwnResult() async throws {
        let writer = BatchingWriter<Int, Int>(maximumBatch: 8) { items in items.map { $0 * 10 } }
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for item in 0..<100 {
                group.addTask { (item, try await writer.submit(item)) }
            }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 100)
        #expect(results.allSatisfy { item, result in result == item * 10 })
    }

    @Test func writesArrivingDuringAWriteShareTheNextOneUpToTheLimit() async throws {
        let batches = Mutex<[[Int]]>([])
        let writer = BatchingWriter<Int, Int>(maximumBatch: 16) { items in
            batches.withLock { $0.append(items) }
            try await Task.sleep(for: .milliseconds(50))
            return items
        }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for item in 0..<40 {
                group.addTask { try await writer.submit(item) }
            }
            try await group.waitForAll()
        }
        let written = batches.withLock { $0 }
        #expect(written.flatMap { $0 }.sorted() == Array(0..<40), "every item written once")
        #expect(written.allSatisfy { $0.count <= 16 })
        #expect(written.count < 40, "items that waited were written together: \(written.map(\.count))")
    }

    @Test func aFailedWriteFailsEveryCallerOfItsBatchAndTheNextBatchStillRuns() async throws {
        struct DiskFull: Error {}
        let calls = Mutex(0)
        let writer = BatchingWriter<Int, Int>(maximumBatch: 4) { items in
            let call = calls.withLock { count in
                count += 1
                return count
            }
            if call == 1 { throw DiskFull() }
            return items
        }
        await #expect(throws: DiskFull.self) { try await writer.submit(1) }
        #expect(try await writer.submit(2) == 2)
    }

    /// What shutdown relies on (`BatchingWriters`): a caller cancelled while its item is written does not cancel the
    /// write, and `drained()` returns only once it is done.
    @Test func drainedWaitsForTheWriteOfACancelledCaller() async throws {
        let started = Mutex(false)
        let written = Mutex<[Int]>([])
        let writer = BatchingWriter<Int, Int>(maximumBatch: 4) { items in
            started.withLock { $0 = true }
            // Not cancelled with the caller: the write's own task runs it.
            try await Task.sleep(for: .milliseconds(200))
            written.withLock { $0 += items }
            return items
        }
        let caller = Task { try await writer.submit(7) }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        caller.cancel()
        await writer.drained()
        #expect(written.withLock { $0 } == [7])
        #expect(try await caller.value == 7)
    }
}
