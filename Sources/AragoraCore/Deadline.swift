import Foundation
import Synchronization

/// Runs `operation` but answers within `limit`: past it the caller gets `timeout()`'s error at once, `onTimeout`
/// runs, and the operation is cancelled and left to finish on its own. The one bounded wait for calls to a service
/// that may hang (a PostgreSQL operation, a Redis check on the request path): neither a task group (which waits for
/// its cancelled child) nor the service's own timeout (seconds) answers in time.
public func withDeadline<T: Sendable>(_ limit: Duration, timeout: @escaping @Sendable () -> any Error,
                                      onTimeout: (@Sendable () -> Void)? = nil,
                                      _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withCheckedThrowingContinuation { continuation in
        race.start(continuation)
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
        race.onFinish { timer.cancel() }
    }
}

/// The first of an operation and its deadline to finish resumes the caller; the other is ignored.
private final class DeadlineRace<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, done: Bool, onFinish: (@Sendable () -> Void)?)>(
        (nil, false, nil))

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { s -> Bool in
            if s.done { return true }
            s.onFinish = action
            return false
        }
        if runNow { action() }
    }

    /// True when this call decided the outcome.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (continuation, action) = state.withLock { s -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !s.done else { return (nil, nil) }
            s.done = true
            defer { s.continuation = nil; s.onFinish = nil }
            return (s.continuation, s.onFinish)
        }
        guard let continuation else { return false }
        continuation.resume(with: result)
        action?()
        return true
    }
}
