import DequeModule
import SQLiteNIO
import Synchronization

/// The one way to write to a SQLite file: jobs queue up (FIFO) and a single writer task runs whatever has
/// queued in one transaction (group commit). A job that may fail after writing runs inside its own savepoint,
/// so its failure undoes only that job; a job that can only fail before it writes anything (one statement, or a
/// guard first) skips the savepoint's two extra statements. Callers resume once the transaction is committed.
final class SQLiteWriter: Sendable {
    private struct State {
        var queue = Deque<any WriteJob>()
        var draining = false
        var closed = false
    }

    private let connection: SQLiteConnection
    private let state = Mutex(State())
    /// Jobs per transaction at most: bounds how long one batch holds the write lock.
    private let maxBatch = 256

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Runs `body` in the next transaction and returns its result once that transaction is committed.
    /// `failsBeforeWriting`: the body throws only before its first write, so it needs no savepoint.
    func perform<T: Sendable>(failsBeforeWriting: Bool = false,
                              _ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        try await perform(body, savepoint: !failsBeforeWriting, evenIfClosed: false)
    }

    private func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) async throws -> T,
                                      savepoint: Bool, evenIfClosed: Bool) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(body: body, savepoint: savepoint, continuation: continuation)
            let start: Bool? = state.withLock { s in
                if s.closed && !evenIfClosed { return nil }
                s.queue.append(job)
                if s.draining { return false }
                s.draining = true
                return true
            }
            switch start {
            case nil: continuation.resume(throwing: StoreError.unavailable("the store is closed (shutting down)"))
            case true?: Task { await self.drain() }
            case false?: break
            }
        }
    }

    /// Refuses new jobs, then returns once every job queued before has been committed.
    func close() async {
        state.withLock { $0.closed = true }
        _ = try? await perform({ _ in () }, savepoint: false, evenIfClosed: true)
    }

    private func take() -> [any WriteJob] {
        state.withLock { s in
            guard !s.queue.isEmpty else {
                s.draining = false
                return []
            }
            let n = min(maxBatch, s.queue.count)
            let batch = Array(s.queue.prefix(n))
            s.queue.removeFirst(n)
            return batch
        }
    }

    private func drain() async {
        while true {
            let batch = take()
            if batch.isEmpty { return }
            var failure: (any Error)?
            do {
                _ = try await connection.query("BEGIN IMMEDIATE")
                for job in batch {
                    guard job.savepoint else {
                        _ = await job.run(connection)
                        continue
                    }
                    _ = try await connection.query("SAVEPOINT job")
                    if await !job.run(connection) {
                        _ = try await connection.query("ROLLBACK TO job")
                    }
                    _ = try await connection.query("RELEASE job")
                }
                _ = try await connection.query("COMMIT")
            } catch {
                failure = error
                _ = try? await connection.query("ROLLBACK")
            }
            for job in batch { job.finish(failure) }
        }
    }
}

private protocol WriteJob: Sendable {
    /// Whether the job runs inside its own savepoint.
    var savepoint: Bool { get }
    /// Runs the job's statements; false when it failed (its savepoint is then rolled back).
    func run(_ db: SQLiteConnection) async -> Bool
    /// Reports the outcome: the job's own result, or `transactionError` when the transaction did not commit.
    func finish(_ transactionError: (any Error)?)
}

private final class Job<T: Sendable>: WriteJob {
    let body: @Sendable (SQLiteConnection) async throws -> T
    let savepoint: Bool
    let continuation: CheckedContinuation<T, any Error>
    /// Written by `run` and read by `finish`, both on the writer task, one after the other.
    private let result = Mutex<Result<T, any Error>?>(nil)

    init(body: @escaping @Sendable (SQLiteConnection) async throws -> T, savepoint: Bool, continuation: CheckedContinuation<T, any Error>) {
        self.body = body
        self.savepoint = savepoint
        self.continuation = continuation
    }

    func run(_ db: SQLiteConnection) async -> Bool {
        let r: Result<T, any Error>
        do { r = .success(try await body(db)) } catch { r = .failure(error) }
        result.withLock { $0 = r }
        if case .failure = r { return false }
        return true
    }

    func finish(_ transactionError: (any Error)?) {
        let r = result.withLock { $0 }
        if let transactionError, case .success = r ?? .failure(transactionError) {
            continuation.resume(throwing: transactionError)
        } else {
            continuation.resume(with: r ?? .failure(transactionError ?? StoreError.unavailable("write was not attempted")))
        }
    }
}
