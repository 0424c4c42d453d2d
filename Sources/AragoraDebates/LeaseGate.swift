import AragoraCore
import Foundation
import Synchronization

/// Lets a debate's live events out only while this instance knows it holds the debate's lease. Stored writes are
/// fenced by the database; live events are not, so without this an owner that stalled (SIGSTOP, a long GC, a lost
/// database) kept publishing after another instance took the debate over, and then announced a `debate_end` of
/// `cancelled` for a debate that completed elsewhere.
///
/// The lease is known held until `leaseSeconds` after the start of the last renewal (or claim) that succeeded, on
/// this host's monotonic clock: the database set the expiry at least that late. Past that, events are held back
/// until the next renewal says whether the lease is still ours (they go out, in order) or lost (they are dropped,
/// and so is everything after, a `debate_end` included).
final class LeaseGate: Sendable {
    private struct State {
        var validUntil: ContinuousClock.Instant
        var lost = false
        var held: [DebateEvent] = []
    }
    private let state: Mutex<State>
    private let publish: @Sendable (DebateEvent) -> Void
    /// Events held back at most (a phase's worth is a few hundred): beyond it the oldest are dropped, and the
    /// followers fill the gap from the store.
    static let maxHeld = 100_000

    init(validUntil: ContinuousClock.Instant, publish: @escaping @Sendable (DebateEvent) -> Void) {
        state = Mutex(State(validUntil: validUntil))
        self.publish = publish
    }

    /// Called for every event the debate emits. Events are handed on under the lock, so they keep their order.
    func send(_ event: DebateEvent, now: ContinuousClock.Instant = .now) {
        state.withLock { s in
            guard !s.lost else { return }
            if now < s.validUntil {
                s.held.forEach(publish)
                s.held.removeAll()
                publish(event)
            } else {
                if s.held.count >= Self.maxHeld { s.held.removeFirst() }
                s.held.append(event)
            }
        }
    }

    /// A renewal (or save) that started at `startedAt` succeeded: the lease is ours until `startedAt + lease`.
    func renewed(startedAt: ContinuousClock.Instant, leaseSeconds: Double) {
        state.withLock { s in
            guard !s.lost else { return }
            let until = startedAt + .milliseconds(Int(leaseSeconds * 1000))
            if until > s.validUntil { s.validUntil = until }
            if ContinuousClock.now < s.validUntil {
                s.held.forEach(publish)
                s.held.removeAll()
            }
        }
    }

    /// The lease is gone: nothing more is published for this debate from here.
    func lose() {
        state.withLock { s in
            s.lost = true
            s.held.removeAll()
        }
    }

    var isLost: Bool { state.withLock { $0.lost } }
}
