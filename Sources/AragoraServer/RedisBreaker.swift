import AragoraCore
import Foundation
import Synchronization

/// Keeps a Redis that is alive but not answering (stopped, swapping, a network partition that drops packets) off
/// the request path. Each operation gets a short bound; the first one over it (or failing) opens the breaker, and
/// for the cool-down every caller goes straight to its fallback. Then one call probes Redis while the others keep
/// using the fallback; its success closes the breaker, its failure doubles the cool-down (up to `maxCoolDown`).
final class RedisBreaker: Sendable {
    enum State: Equatable {
        case closed
        case open(until: ContinuousClock.Instant, coolDown: Duration)
        case probing(coolDown: Duration)
    }

    let bound: Duration
    let minCoolDown: Duration
    let maxCoolDown: Duration
    private let state = Mutex(State.closed)

    init(bound: Duration, minCoolDown: Duration = .seconds(1), maxCoolDown: Duration = .seconds(15)) {
        self.bound = bound
        self.minCoolDown = minCoolDown
        self.maxCoolDown = maxCoolDown
    }

    var current: State { state.withLock { $0 } }

    /// Whether this call may use Redis (true for every call while closed, for one probe after a cool-down).
    func mayTry(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { s in
            switch s {
            case .closed: return true
            case .probing: return false
            case .open(let until, let coolDown):
                guard now >= until else { return false }
                s = .probing(coolDown: coolDown)
                return true
            }
        }
    }

    func succeeded() { state.withLock { $0 = .closed } }

    /// Opens the breaker; true when it was closed before (worth a log line).
    @discardableResult
    func failed(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { s in
            let wasClosed = s == .closed
            let next: Duration
            switch s {
            case .closed: next = minCoolDown
            case .probing(let coolDown), .open(_, let coolDown): next = min(maxCoolDown, coolDown * 2)
            }
            s = .open(until: now + next, coolDown: next)
            return wasClosed
        }
    }

    /// Runs `operation` within the bound (`withDeadline`): past it the caller is answered with `RedisBreakerTimeout`
    /// at once, and the operation finishes in the background (the client's own timeout ends it).
    func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let bound = bound
        return try await withDeadline(bound, timeout: { RedisBreakerTimeout(bound: bound) }, operation)
    }
}

struct RedisBreakerTimeout: Error, CustomStringConvertible {
    var bound: Duration
    var description: String { "redis did not answer within \(bound)" }
}
