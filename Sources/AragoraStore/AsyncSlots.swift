import DequeModule
import Synchronization

/// At most `count` holders at once; the others wait in arrival order. Not cancellable: a holder always releases
/// (its work completes or fails), so a waiter never waits for ever.
final class AsyncSlots: Sendable {
    private struct State {
        var free: Int
        var waiting = Deque<CheckedContinuation<Void, Never>>()
    }

    private let state: Mutex<State>

    init(_ count: Int) {
        state = Mutex(State(free: count))
    }

    func acquire() async {
        // A free slot is taken without suspending: a suspension costs a trip through the executor per save.
        if state.withLock({ s in s.free > 0 ? { s.free -= 1; return true }() : false }) { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                guard s.free > 0 else {
                    s.waiting.append(c)
                    return false
                }
                s.free -= 1
                return true
            }
            if now { c.resume() }
        }
    }

    /// Hands the slot to the first waiter, if any.
    func release() {
        let next = state.withLock { s in
            guard let next = s.waiting.popFirst() else {
                s.free += 1
                return nil as CheckedContinuation<Void, Never>?
            }
            return next
        }
        next?.resume()
    }
}
