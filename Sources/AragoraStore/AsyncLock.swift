import Foundation

/// A FIFO lock for async code: one holder at a time, waiters resumed in order.
/// Serialises the statements of a transaction on a single database connection.
final class AsyncLock: @unchecked Sendable {
    // Safe: `locked` and `waiters` are only touched under `mutex`.
    private let mutex = NSLock()
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func withLock<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if tryAcquire() { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in enqueue(c) }
    }

    private func tryAcquire() -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        if locked { return false }
        locked = true
        return true
    }

    /// Waits for the lock, or takes it at once if it was released in the meantime.
    private func enqueue(_ c: CheckedContinuation<Void, Never>) {
        mutex.lock()
        if !locked {
            locked = true
            mutex.unlock()
            c.resume()
            return
        }
        waiters.append(c)
        mutex.unlock()
    }

    private func release() {
        mutex.lock()
        if waiters.isEmpty {
            locked = false
            mutex.unlock()
        } else {
            let next = waiters.removeFirst()
            mutex.unlock()
            next.resume()
        }
    }
}
