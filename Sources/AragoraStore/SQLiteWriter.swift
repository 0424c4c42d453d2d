import DequeModule
import SQLiteNIO
import Synchronization

/// The one way to write to a SQLite file: jobs queue up (FIFO) and a single writer task runs whatever has
/// queued in one transaction (group commit). Callers resume once the transaction is committed. How a job's
/// failure is contained is its `Containment`: every statement is a hop to the thread pool, and the writer's
/// throughput is made of those hops, so only jobs that need a savepoint get one.
final class SQLiteWriter: Sendable {
    enum Containment: Sendable {
        /// The job runs in its own savepoint: its failure undoes the job only (a job that can fail half-way for
        /// a reason the others must not share).
        case savepoint
        /// The job can only fail before its first write (one statement, or a guard first): nothing to undo.
        case failsBeforeWriting
        /// The job fails only when the database does (I/O, a full disk): its failure aborts the whole
        /// transaction, and every job in it fails with that error.
        case allOrNothing
    }

    private struct State {
        var queue = Deque<any WriteJob>()
        var draining = false
        var closed = false
    }

    private let connection: SQLiteConnection
    private let state = Mutex(State())
    /// Why writes are failing, when the last transaction (or a job in it) failed for the storage's sake; cleared by
    /// the next transaction whose jobs all succeed. Health checks report it.
    private let storageFailure = Mutex<String?>(nil)

    var failure: String? { storageFailure.withLock { $0 } }
    /// Jobs per transaction at most: bounds how long one batch holds the write lock.
    private let maxBatch = 256

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Runs `body` in the next transaction and returns its result once that transaction is committed.
    func perform<T: Sendable>(_ containment: Containment = .savepoint,
                              _ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        try await perform(body, containment: containment, evenIfClosed: false)
    }

    private func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) async throws -> T,
                                      containment: Containment, evenIfClosed: Bool) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            submit(containment, evenIfClosed: evenIfClosed, body) { continuation.resume(with: $0) }
        }
    }

    /// Queues `body` for the next transaction without waiting: `completion` receives its result once the
    /// transaction is committed (or failed). For callers that batch their own waiters (`SQLiteSaveBatch`).
    func submit<T: Sendable>(_ containment: Containment, evenIfClosed: Bool = false,
                             _ body: @escaping @Sendable (SQLiteConnection) async throws -> T,
                             completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let job = Job(body: body, containment: containment, completion: completion)
        let start: Bool? = state.withLock { s in
            if s.closed && !evenIfClosed { return nil }
            s.queue.append(job)
            if s.draining { return false }
            s.draining = true
            return true
        }
        switch start {
        case nil: completion(.failure(StoreError.closed))
        case true?: Task { await self.drain() }
        case false?: break
        }
    }

    /// Refuses new jobs, then returns once every job queued before has been committed.
    func close() async {
        state.withLock { $0.closed = true }
        _ = try? await perform({ _ in () }, containment: .failsBeforeWriting, evenIfClosed: true)
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
            var storageError: StoreError?
            do {
                _ = try await connection.query("BEGIN IMMEDIATE")
                for job in batch {
                    switch job.containment {
                    case .failsBeforeWriting:
                        if let error = await job.run(connection) as? StoreError, error.isStorage { storageError = error }
                    case .allOrNothing:
                        if let error = await job.run(connection) { throw error }
                    case .savepoint:
                        _ = try await connection.query("SAVEPOINT job")
                        if let error = await job.run(connection) {
                            if let e = error as? StoreError, e.isStorage { storageError = e }
                            _ = try await connection.query("ROLLBACK TO job")
                        }
                        _ = try await connection.query("RELEASE job")
                    }
                }
                _ = try await connection.query("COMMIT")
            } catch {
                failure = StoreError.storage(error) ?? error
                storageError = (failure as? StoreError).flatMap { $0.isStorage ? $0 : nil } ?? storageError
                _ = try? await connection.query("ROLLBACK")
            }
            storageFailure.withLock { $0 = storageError?.description }
            for job in batch { job.finish(failure) }
        }
    }
}

private protocol WriteJob: Sendable {
    var containment: SQLiteWriter.Containment { get }
    /// Runs the job's statements; returns its error when it failed.
    func run(_ db: SQLiteConnection) async -> (any Error)?
    /// Reports the outcome: the job's own result, or `transactionError` when the transaction did not commit.
    func finish(_ transactionError: (any Error)?)
}

private final class Job<T: Sendable>: WriteJob {
    let body: @Sendable (SQLiteConnection) async throws -> T
    let containment: SQLiteWriter.Containment
    let completion: @Sendable (Result<T, any Error>) -> Void
    /// Written by `run` and read by `finish`, both on the writer task, one after the other.
    private let result = Mutex<Result<T, any Error>?>(nil)

    init(body: @escaping @Sendable (SQLiteConnection) async throws -> T, containment: SQLiteWriter.Containment,
         completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        self.body = body
        self.containment = containment
        self.completion = completion
    }

    func run(_ db: SQLiteConnection) async -> (any Error)? {
        let r: Result<T, any Error>
        do { r = .success(try await body(db)) } catch { r = .failure(StoreError.storage(error) ?? error) }
        result.withLock { $0 = r }
        if case .failure(let error) = r { return error }
        return nil
    }

    func finish(_ transactionError: (any Error)?) {
        let r = result.withLock { $0 }
        if let transactionError, case .success = r ?? .failure(transactionError) {
            completion(.failure(transactionError))
        } else {
            completion(r ?? .failure(transactionError ?? StoreError.unavailable("write was not attempted")))
        }
    }
}

extension StoreError {
    /// A SQLite error that says the storage itself fails (full, read-only, I/O, cannot open), as a `StoreError`;
    /// nil for anything else (a constraint, a lost lease).
    static func storage(_ error: any Error) -> StoreError? {
        guard let e = error as? SQLiteError else { return nil }
        let reason = String(describing: e.reason).lowercased()
        if reason == "full" { return .noSpace(e.message) }
        if reason.hasPrefix("readonly") || reason.hasPrefix("ioerror") || reason.hasPrefix("cantopen") || reason == "permission" {
            return .unavailable("writes are failing: \(e.message)")
        }
        return nil
    }

    /// The storage fails (full, read-only, unreachable): worth retrying later, unlike a lost lease or a duplicate.
    public var isStorage: Bool {
        switch self {
        case .noSpace, .unavailable: return true
        default: return false
        }
    }
}
