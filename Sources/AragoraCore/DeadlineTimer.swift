import Foundation

/// One background thread that fires callbacks at deadlines.
///
/// Every debate phase arms a timeout, and nearly all are disarmed long before they fire. A `Task.sleep`
/// per phase costs a dispatch timer and thread wake-ups each time; here arming is a lock and a heap
/// insert, and the thread is only woken when the new deadline is the earliest.
final class DeadlineTimer: @unchecked Sendable {
    // Safe: all mutable state is guarded by `condition` (an NSCondition, which is also the lock).
    static let shared = DeadlineTimer()

    final class Handle: @unchecked Sendable {
        // Safe: `cancelled` is only touched under the timer's condition lock.
        fileprivate var cancelled = false
        fileprivate let action: @Sendable () -> Void
        fileprivate let deadline: ContinuousClock.Instant
        fileprivate init(deadline: ContinuousClock.Instant, action: @escaping @Sendable () -> Void) {
            self.deadline = deadline
            self.action = action
        }
    }

    private let condition = NSCondition()
    private var heap: [Handle] = []
    private var started = false

    func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> Handle {
        let handle = Handle(deadline: .now + delay, action: action)
        condition.lock()
        if !started {
            started = true
            let thread = Thread { [self] in loop() }
            thread.name = "aragora-deadlines"
            thread.start()
        }
        push(handle)
        if heap.first === handle { condition.signal() }
        condition.unlock()
        return handle
    }

    func cancel(_ handle: Handle) {
        condition.lock()
        handle.cancelled = true
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while true {
            while let first = heap.first, first.cancelled { _ = pop() }
            guard let first = heap.first else {
                condition.wait()
                continue
            }
            let now = ContinuousClock.now
            if first.deadline <= now {
                _ = pop()
                condition.unlock()
                first.action()
                condition.lock()
            } else {
                let wait = now.duration(to: first.deadline)
                _ = condition.wait(until: Date(timeIntervalSinceNow: max(0.001, Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)))
            }
        }
    }

    // Binary min-heap on deadline.
    private func push(_ h: Handle) {
        heap.append(h)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].deadline < heap[parent].deadline else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func pop() -> Handle {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
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
        return top
    }
}
