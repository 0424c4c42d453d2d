import AragoraCore
import Foundation
import Synchronization
import Testing

/// `withDeadline`: the value when the operation finishes first; the timeout's error when the deadline passes (the
/// operation then cancelled); `CancellationError` when the caller is cancelled (the operation cancelled too). No
/// test waits on the happy path: each blocked operation waits for cancellation, never for a clock.
@Suite struct DeadlineTests {
    struct Late: Error {}

    final class Flag: Sendable {
        private let state = Mutex(false)
        func set() { state.withLock { $0 = true } }
        var isSet: Bool { state.withLock { $0 } }
    }

    /// Blocks until cancelled, and records that it was.
    static func blockUntilCancelled(_ cancelled: Flag) async throws -> Int {
        try await withTaskCancellationHandler {
            try await Task.sleep(for: .seconds(3600))
        } onCancel: { cancelled.set() }
        return 0
    }

    @Test func theOperationsValueWhenItFinishesFirst() async throws {
        let value = try await withDeadline(.seconds(3600), timeout: { Late() }) { 42 }
        #expect(value == 42)
    }

    @Test func theTimeoutWhenTheDeadlinePassesAndTheOperationIsCancelled() async throws {
        let cancelled = Flag()
        let timedOut = Flag()
        await #expect(throws: Late.self) {
            try await withDeadline(.milliseconds(20), timeout: { Late() }, onTimeout: { timedOut.set() }) {
                try await Self.blockUntilCancelled(cancelled)
            }
        }
        #expect(timedOut.isSet)
        // The operation sees its cancellation soon after (it was left to finish on its own).
        for _ in 0..<2000 where !cancelled.isSet { try await Task.sleep(for: .milliseconds(5)) }
        #expect(cancelled.isSet)
    }

    @Test func cancellingTheCallerCancelsTheOperationAtOnce() async throws {
        let cancelled = Flag()
        let caller = Task {
            try await withDeadline(.seconds(3600), timeout: { Late() }) { try await Self.blockUntilCancelled(cancelled) }
        }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        for _ in 0..<2000 where !cancelled.isSet { try await Task.sleep(for: .milliseconds(5)) }
        #expect(cancelled.isSet)
    }
}
