import Foundation
import Synchronization

/// Runs `operation` but answers within `limit`: past it the caller gets `timeout()`'s error at once, `onTimeout`
/// runs, and the operation is cancelled and left to finish on its own. Cancelling the caller cancels the operation
/// and answers `CancellationError` at once. The bounded wait for calls to a service that may hang (a PostgreSQL
/// operation, a Redis check on the request path): neither a task group (which waits for its cancelled child) nor a
/// client's own timeout (seconds, or the response head only) answers in time. Two places wait otherwise, each for
/// a reason: an agent's call races its deadline in a task group (its token sink must not outlive the call), and
/// channel handlers, which live on an event loop, use the loop's `scheduleTask`.
public func withDeadline<T: Sendable>(_ limit: Duration, timeout: @escaping @Sendable () -> any Error,
                                      onTimeout: (@Sendable () -> Void)? = nil,
                                      _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            let work = Task {
                do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                if race.finish(.failure(timeout())) {
                    onTimeout?()
                    work.cancel()
                }
            }
            race.start(continuation, work: work, timer: timer)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of the operation, its deadline and the caller's cancellation to finish resumes the caller; the others
/// are ignored. Finishing cancels the timer, and the operation unless it is what finished.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        /// What finished before the caller was waiting (a cancellation that came first).
        var early: Result<T, any Error>?
        var done = false
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, work: Task<Void, Never>, timer: Task<Void, Never>) {
        let early = state.withLock { s -> Result<T, any Error>? in
            s.work = work
            s.timer = timer
            guard s.done else { s.continuation = continuation; return nil }
            return s.early
        }
        guard let early else { return }
        timer.cancel()
        work.cancel()
        continuation.resume(with: early)
    }

    /// True when this call decided the outcome.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let decided = state.withLock { s -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?)? in
            guard !s.done else { return nil }
            s.done = true
            guard let continuation = s.continuation else {
                s.early = result
                return (nil, nil, nil)
            }
            defer { (s.continuation, s.work, s.timer) = (nil, nil, nil) }
            return (continuation, s.work, s.timer)
        }
        guard let (continuation, work, timer) = decided else { return false }
        timer?.cancel()
        if case .failure = result { work?.cancel() }
        continuation?.resume(with: result)
        return true
    }
}
