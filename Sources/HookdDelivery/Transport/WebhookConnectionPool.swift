import HookdCore
import NIOCore
import Synchronization

/// Connections kept alive between attempts, by the exact address they are connected to.
///
/// A connection is only ever reused for the same checked address, port, scheme and TLS name it was opened for, so
/// a kept connection can never carry an attempt to an address the guard did not check for that attempt. Idle
/// connections close themselves after the transport's idle timeout (``WebhookExchangeHandler``) and leave the pool
/// when they close.
final class WebhookConnectionPool: Sendable {
    /// What a connection is bound to.
    struct Key: Hashable, Sendable {
        let address: IPAddress
        let port: Int
        let usesTLS: Bool
        /// The name TLS verified (and `Host` named), or `nil` for an address literal.
        let serverName: String?
    }

    private struct State {
        var idle: [Key: [WebhookConnection]] = [:]
        var count = 0
        var isShutDown = false
    }

    private let state = Mutex(State())
    /// Idle connections kept per key at most.
    let maximumPerKey: Int
    /// Idle connections kept in all at most.
    let maximumTotal: Int

    init(maximumPerKey: Int, maximumTotal: Int) {
        self.maximumPerKey = maximumPerKey
        self.maximumTotal = maximumTotal
    }

    /// How many idle connections the pool holds.
    var idleCount: Int { state.withLock { $0.count } }

    /// An open idle connection for `key`, most recently used first; `nil` when there is none.
    func take(_ key: Key) -> WebhookConnection? {
        state.withLock { state in
            while let connection = state.idle[key]?.popLast() {
                state.count -= 1
                if state.idle[key]?.isEmpty == true { state.idle[key] = nil }
                if connection.channel.isActive { return connection }
            }
            return nil
        }
    }

    /// Keeps `connection` for the next attempt to `key`, or closes it when the pool is full or shut down.
    ///
    /// A connection that closed already is not kept: its close may have come before this call, and ``remove(_:for:)``
    /// with it. Checked under the lock, so a close after the check finds it here and removes it.
    func put(_ connection: WebhookConnection, for key: Key) {
        let kept = state.withLock { state in
            guard !state.isShutDown, connection.channel.isActive, state.count < maximumTotal,
                state.idle[key, default: []].count < maximumPerKey
            else { return false }
            state.idle[key, default: []].append(connection)
            state.count += 1
            return true
        }
        if !kept { connection.channel.close(promise: nil) }
    }

    /// Forgets the connection of `channel` (it closed).
    func remove(_ channel: any Channel, for key: Key) {
        state.withLock { state in
            guard let index = state.idle[key]?.firstIndex(where: { $0.channel === channel }) else { return }
            state.idle[key]?.remove(at: index)
            state.count -= 1
            if state.idle[key]?.isEmpty == true { state.idle[key] = nil }
        }
    }

    /// Closes every idle connection and keeps none from now on.
    func shutDown() {
        let channels = state.withLock { state in
            defer { state = State(isShutDown: true) }
            return state.idle.values.flatMap { $0.map(\.channel) }
        }
        for channel in channels { channel.close(promise: nil) }
    }
}

/// A connection to one checked address, with the handler that runs its exchanges.
///
/// The handler is held here, not looked up in the pipeline, so that what ended a connection before an exchange
/// began (a TLS handshake that failed) can still be read from it once the pipeline is gone.
struct WebhookConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<WebhookExchangeHandler>
}
