import Foundation

/// Group commit for debate saves: callers enqueue and wait; one writer at a time commits everything
/// queued so far in a single transaction, and resumes all their callers with its outcome.
final class SaveQueue: @unchecked Sendable {
    // Safe: `pending`, `order`, `waiters` and `writing` are only touched under `lock`.
    struct Item: Sendable {
        var id: String
        var status: String
        var consensusReached: Bool
        var confidence: Double
        var error: String?
        var record: String
        var checkpoint: String?
        var events: [(seq: Int, type: String, body: String)]
    }

    private let lock = NSLock()
    private var pending: [String: Item] = [:]
    private var order: [String] = []
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    private var writing = false

    func enqueue(_ item: Item, write: @escaping @Sendable ([Item]) async throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let startWriter = add(item, waiter: c)
            if startWriter { Task { await self.drain(write) } }
        }
    }

    /// Adds the item (merging with a queued one of the same debate); true when no writer is running.
    private func add(_ item: Item, waiter: CheckedContinuation<Void, any Error>) -> Bool {
        lock.withLock {
            if var existing = pending[item.id] {
                let events = existing.events + item.events
                existing = item
                existing.events = events
                pending[item.id] = existing
            } else {
                pending[item.id] = item
                order.append(item.id)
            }
            waiters.append(waiter)
            if writing { return false }
            writing = true
            return true
        }
    }

    private func take() -> ([Item], [CheckedContinuation<Void, any Error>])? {
        lock.withLock {
            guard !order.isEmpty else {
                writing = false
                return nil
            }
            let batch = order.compactMap { pending[$0] }
            let w = waiters
            pending = [:]
            order = []
            waiters = []
            return (batch, w)
        }
    }

    private func drain(_ write: @Sendable ([Item]) async throws -> Void) async {
        while let (batch, waiters) = take() {
            do {
                try await write(batch)
                for w in waiters { w.resume() }
            } catch {
                for w in waiters { w.resume(throwing: error) }
            }
        }
    }
}
