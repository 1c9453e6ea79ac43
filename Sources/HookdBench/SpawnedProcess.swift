public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A child process started with `posix_spawn`, its output read by ``PipeDrain``s.
///
/// Foundation's `Process` is not used: on Linux its `run()` copies a whole `d_name` out of every `/proc/self/fd`
/// entry it reads, and when a process holds about 1,400 descriptors (a test run's parallel servers do) the last
/// entry sits at the end of the directory buffer and the copy reads past it: a segmentation fault, now and then.
public final class SpawnedProcess: Sendable {
    /// Where a standard stream of the child goes.
    public enum Output: Sendable {
        /// Into a pipe that this process drains; read it with ``standardOutput`` or ``standardError``.
        case capture
        /// To `/dev/null`.
        case discard
        /// Appended to the file at this path (created when missing).
        case file(String)
    }

    /// The child's process id.
    public let identifier: pid_t
    private let output: PipeDrain?
    private let errors: PipeDrain?
    /// The child's status once it has been reaped.
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` (an absolute path) with `arguments`, exactly `environment`, and `input` as its standard
    /// input (`/dev/null` when `nil`). Descriptors of this process are not inherited.
    ///
    /// - Throws: ``BenchError`` naming the `errno` when the process cannot be started.
    public init(
        executable: String,
        arguments: [String],
        environment: [String: String],
        input: [UInt8]? = nil,
        standardOutput: Output = .capture,
        standardError: Output = .capture
    ) throws {
        let started = try Self.spawning.withLock { _ in
            try Self.spawn(executable, arguments, environment, input != nil, standardOutput, standardError)
        }
        identifier = started.pid
        output = started.output.map { PipeDrain(descriptor: $0) }
        errors = started.errors.map { PipeDrain(descriptor: $0) }
        if let input, let descriptor = started.input {
            Self.writeAll(input, to: descriptor)
            close(descriptor)
        }
    }

    /// Held while a child is spawned, so that pipes made for one child are close-on-exec before another starts.
    private static let spawning = Mutex(())

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34 and later), looked up because Swift's Glibc module
    /// does not declare it.
    private static let addCloseFrom: AddCloseFrom? = {
        let name = "posix_spawn_file_actions_addclosefrom_np"
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Starts the child; returns its pid and this process's ends of its pipes.
    private static func spawn(
        _ executable: String,
        _ arguments: [String],
        _ environment: [String: String],
        _ hasInput: Bool,
        _ standardOutput: Output,
        _ standardError: Output
    ) throws -> (pid: pid_t, output: Int32?, errors: Int32?, input: Int32?) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Pipe ends this process keeps, and ends only the child uses (closed here once it has started).
        var ours: [Int32] = []
        var theirs: [Int32] = []
        defer { for descriptor in theirs { close(descriptor) } }
        func pipeEnds() throws -> (read: Int32, write: Int32) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw BenchError("pipe failed: errno \(errno)") }
            // Close-on-exec, so that no other child inherits them: spawns take `spawning` in turn, so no other
            // spawn of this process runs between the pipe and this.
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            return (ends[0], ends[1])
        }

        var inputEnd: Int32?
        if hasInput {
            let ends = try pipeEnds()
            inputEnd = ends.write
            ours.append(ends.write)
            theirs.append(ends.read)
            posix_spawn_file_actions_adddup2(&actions, ends.read, STDIN_FILENO)
        } else {
            posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        }
        var drainedEnds: [Int32: Int32] = [:]
        for (stream, target) in [(STDOUT_FILENO, standardOutput), (STDERR_FILENO, standardError)] {
            switch target {
            case .capture:
                let ends = try pipeEnds()
                drainedEnds[stream] = ends.read
                theirs.append(ends.write)
                posix_spawn_file_actions_adddup2(&actions, ends.write, stream)
            case .discard:
                posix_spawn_file_actions_addopen(&actions, stream, "/dev/null", O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, stream, path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            }
        }

        // Nothing else of this process reaches the child (its listening sockets above all), where glibc can say so.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else {
            for descriptor in ours + drainedEnds.values { close(descriptor) }
            throw BenchError("could not start \(executable): \(String(cString: strerror(result)))")
        }
        return (pid, drainedEnds[STDOUT_FILENO], drainedEnds[STDERR_FILENO], inputEnd)
    }

    /// What the child wrote to its standard output so far (empty unless it is captured).
    public var standardOutput: String { output?.value ?? "" }
    /// What the child wrote to its standard error so far (empty unless it is captured).
    public var standardError: String { errors?.value ?? "" }
    /// Whether both captured streams have ended.
    public var outputIsComplete: Bool { (output?.isFinished ?? true) && (errors?.isFinished ?? true) }

    /// The exit code, or the number of the signal that ended it; `nil` while it runs.
    public var terminationStatus: Int32? {
        status.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(identifier, &raw, WNOHANG) == identifier {
                    let signal = raw & 0x7f
                    status = signal == 0 ? (raw >> 8) & 0xff : signal
                }
            }
            return status
        }
    }

    /// Whether the child is still running.
    public var isRunning: Bool { terminationStatus == nil }

    /// Sends `signal` (SIGTERM unless told) to the child, if it is still running.
    public func send(_ signal: Int32 = SIGTERM) {
        if isRunning { kill(identifier, signal) }
    }

    /// Waits until the child has ended and its captured output is complete, or `seconds` pass; returns its status.
    public func waitForExit(seconds: Double) async throws -> Int32? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while isRunning {
            if ContinuousClock.now > deadline { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        // A child of the child may hold the pipes a little longer; the output is complete when they end.
        let drained = ContinuousClock.now + .seconds(5)
        while !outputIsComplete, ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(10))
        }
        return terminationStatus
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
