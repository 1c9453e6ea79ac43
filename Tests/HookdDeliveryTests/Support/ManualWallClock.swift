import Foundation
import HookdCore
import Synchronization

/// A wall clock that moves only when a test moves it, so due times and retry delays can be checked exactly.
final class ManualWallClock: WallClock {
    private let date: Mutex<Date>

    /// A clock reading `start`: a whole second, so its Unix milliseconds are exact.
    init(start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        date = Mutex(start)
    }

    var now: Date { date.withLock { $0 } }

    /// Moves the time on by `duration`.
    func advance(by duration: Duration) {
        date.withLock { $0 += Double(duration.wholeMilliseconds) / 1000 }
    }
}
