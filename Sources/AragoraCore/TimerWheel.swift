import Foundation
import Synchronization

/// Timers for the engine's own waits (phase deadlines, demo agents' simulated latency), all served by one thread.
///
/// `Task.sleep` arms a dispatch timer per call, and a cancelled one stays armed until it would have fired: a phase
/// deadline of 120 s left behind by every phase of every debate, and thousands of short demo waits, made the timer
/// machinery the largest cost of 10,000 concurrent debates. Here a wait is an entry in a heap; cancelling removes
/// its action at once, and one thread wakes for whatever is due.
public final class TimerWheel: @unchecked Sendable {
    public static let shared = TimerWheel()

    public struct Token: Sendable, Hashable {
        let id: UInt64
    }

    private struct Entry {
        var deadline: ContinuousClock.Instant
        var id: UInt64
    }

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var heap: [Entry] = []
    private var actions: [UInt64: @Sendable () -> Void] = [:]
    private var nextID: UInt64 = 0
    private var started = false

    /// Runs `action` (on the timer thread: it must be quick) once `deadline` has passed, unless cancelled first.
    public func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> Token {
        condition.lock()
        nextID &+= 1
        let id = nextID
        actions[id] = action
        push(Entry(deadline: deadline, id: id))
        let earliest = heap[0].id == id
        if !started {
            started = true
            let thread = Thread { [unowned self] in self.loop() }
            thread.name = "aragora-timers"
            thread.start()
        }
        if earliest { condition.signal() }
        condition.unlock()
        return Token(id: id)
    }

    /// Drops a scheduled action; true when it had not run (and now never will).
    @discardableResult
    public func cancel(_ token: Token) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        // The heap entry stays until its deadline and is skipped then: removing it now would cost a search.
        return actions.removeValue(forKey: token.id) != nil
    }

    /// Waits `duration`; throws `CancellationError` as soon as the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        let deadline = ContinuousClock.now + duration
        let waiter = Waiter()
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                guard waiter.set(continuation) else { return continuation.resume(throwing: CancellationError()) }
                waiter.token = schedule(at: deadline) { waiter.finish(with: nil) }
                // Cancelled between `set` and `schedule`: the handler found no token to cancel; do it here.
                if waiter.isCancelled, let token = waiter.token, cancel(token) { waiter.finish(with: CancellationError()) }
            }
        } onCancel: {
            waiter.cancelled()
            if let token = waiter.token, cancel(token) { waiter.finish(with: CancellationError()) }
        }
    }

    /// One sleeper's continuation, resumed exactly once.
    private final class Waiter: Sendable {
        private struct State {
            var continuation: UnsafeContinuation<Void, any Error>?
            var cancelled = false
            var token: Token?
        }
        private let state = Mutex(State())

        var token: Token? {
            get { state.withLock { $0.token } }
            set { state.withLock { $0.token = newValue } }
        }
        var isCancelled: Bool { state.withLock { $0.cancelled } }

        /// False when the task was cancelled before it could wait.
        func set(_ c: UnsafeContinuation<Void, any Error>) -> Bool {
            state.withLock { s in
                if s.cancelled { return false }
                s.continuation = c
                return true
            }
        }

        func cancelled() { state.withLock { $0.cancelled = true } }

        func finish(with error: (any Error)?) {
            let c = state.withLock { s in
                defer { s.continuation = nil }
                return s.continuation
            }
            if let error { c?.resume(throwing: error) } else { c?.resume() }
        }
    }

    // MARK: - The timer thread

    private func loop() {
        condition.lock()
        while true {
            var due: [@Sendable () -> Void] = []
            let now = ContinuousClock.now
            while let first = heap.first, first.deadline <= now {
                pop()
                if let action = actions.removeValue(forKey: first.id) { due.append(action) }
            }
            if !due.isEmpty {
                condition.unlock()
                for action in due { action() }
                condition.lock()
                continue
            }
            if let first = heap.first {
                let wait = now.duration(to: first.deadline)
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18))
            } else {
                condition.wait()
            }
        }
    }

    // MARK: - Binary min-heap by deadline

    private func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].deadline < heap[parent].deadline else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func pop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, heap[l].deadline < heap[m].deadline { m = l }
            if r < heap.count, heap[r].deadline < heap[m].deadline { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
    }
}
