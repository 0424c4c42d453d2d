import Foundation
import Synchronization

/// Why a call produced no usable reply.
public enum CallFailure: Error, Sendable, CustomStringConvertible {
    case timedOut(Duration)
    case failed(String)
    case agent(AgentError)
    case malformed(String)
    case cancelled

    public var description: String {
        switch self {
        case .timedOut(let d): return "no reply within \(d.seconds.formatted2)s"
        case .failed(let e): return e
        case .agent(let e): return e.description
        case .malformed(let m): return "malformed reply: \(m)"
        case .cancelled: return "cancelled"
        }
    }

    /// Retrying will not help within this debate: the credentials were refused or the quota is spent.
    public var isPermanent: Bool {
        if case .agent(let e) = self, case .auth = e { return true }
        if case .agent(let e) = self, case .quota = e { return true }
        return false
    }

    /// The failure's class, as recorded in `AgentFailure.kind` and `agent_error` events.
    public var kind: String {
        switch self {
        case .timedOut: return "timeout"
        case .failed: return "error"
        case .agent(let e): return e.kind
        case .malformed: return "bad_reply"
        case .cancelled: return "cancelled"
        }
    }
}

/// Runs one phase's calls at once and hands back each result as it arrives.
///
/// A call either runs in its own task or, when its agent waits on a timer rather than on a task (`ScheduledAgent`),
/// is started here and calls back: thousands of pending calls then cost a timer entry each, not a task with its
/// frames. One deadline bounds the whole phase (all calls start together, so this is the per-call timeout). A call
/// that hangs past it, even one that ignores cancellation, is abandoned and reported as timed out: the debate never
/// waits on it. Unstructured tasks on purpose: a child task of a group could not be abandoned.
struct PhaseRunner {
    typealias Completion<Output> = @Sendable (Result<Output, CallFailure>) -> Void

    /// One closure per call, whichever way it runs: it holds the request, and a debate in flight holds its phase's.
    struct Call<Output: Sendable>: Sendable {
        var index: Int
        /// The agent never suspends: run it in the calling task.
        var inline: Bool = false
        var body: Body

        enum Body: Sendable {
            /// The call, run in a task of its own (or inline); it may hand text to the sink as it is written.
            case work(@Sendable (TokenSink) async throws -> Output)
            /// Starts the call without a task of its own; it completes exactly once, from any thread.
            case start(@Sendable (@escaping TokenSink, @escaping Completion<Output>) -> Void)
        }
    }

    enum Arrival<Output: Sendable>: Sendable {
        /// Boxed: the phase's waiting loop holds an arrival in its async frame, and a result inline (a reply and
        /// its parse) would take its size there in every debate in flight.
        indirect case done(Int, Result<Output, CallFailure>)
        case delta(Int, String)
        case deadline
    }

    /// Calls `onResult` in index order, each as soon as it and every earlier call have finished, so the
    /// event order is the same on every run while progress still shows before the slowest call ends.
    /// `onDelta` sees streamed text as it arrives, in arrival order across calls, always before that call's
    /// result and never after it timed out. Both run in the calling task.
    /// Returns results by index; entries are `.cancelled` when the surrounding task was cancelled.
    static func run<Output: Sendable>(
        _ calls: [Call<Output>], timeout: Duration,
        onDelta: (Int, String) -> Void = { _, _ in },
        onResult: (Int, Result<Output, CallFailure>) -> Void
    ) async -> [Int: Result<Output, CallFailure>] {
        guard !calls.isEmpty else { return [:] }
        if calls.allSatisfy(\.inline) { return await runInline(calls, onDelta: onDelta, onResult: onResult) }
        let (stream, continuation) = AsyncStream<Arrival<Output>>.makeStream()
        let tasks = launch(calls, continuation)
        // The deadline is an entry in the shared timer wheel, not a sleeping task: cancelled at the phase's end, it
        // leaves nothing armed behind.
        let timer = TimerWheel.shared.schedule(at: .now + timeout) { continuation.yield(.deadline) }
        // Every debate in flight holds this frame while its calls are pending: the loop only awaits; the
        // bookkeeping (and the callers' handlers, inlined into it) runs in `Collector`'s synchronous frames.
        let collector = Collector<Output>(order: calls.map(\.index), timeout: timeout)
        await withTaskCancellationHandler {
            for await arrival in stream {
                if collector.take(arrival, onDelta: onDelta, onResult: onResult) { break }
            }
        } onCancel: {
            continuation.finish()
        }
        TimerWheel.shared.cancel(timer)
        continuation.finish()
        return collector.close(tasks)
    }

    /// Starts every call: a task each, or the call's own `start`.
    @inline(never) static func launch<Output: Sendable>(
        _ calls: [Call<Output>], _ continuation: AsyncStream<Arrival<Output>>.Continuation
    ) -> [Task<Void, Never>?] {
        calls.map { call in
            let index = call.index
            if case .start(let start) = call.body {
                start({ continuation.yield(.delta(index, $0)) }) { continuation.yield(.done(index, $0)) }
                return nil
            }
            return Task {
                let result = await outcome(of: call) { continuation.yield(.delta(index, $0)) }
                continuation.yield(.done(index, result))
            }
        }
    }

    /// The results so far, released in index order.
    final class Collector<Output: Sendable> {
        let order: [Int]
        let timeout: Duration
        var results: [Int: Result<Output, CallFailure>] = [:]
        var released = 0

        init(order: [Int], timeout: Duration) {
            self.order = order
            self.timeout = timeout
        }

        /// Records an arrival and releases what it completes; true once every call has a result.
        @inline(never) func take(_ arrival: Arrival<Output>, onDelta: (Int, String) -> Void,
                                 onResult: (Int, Result<Output, CallFailure>) -> Void) -> Bool {
            switch arrival {
            case .done(let i, let r):
                results[i] = r
            case .delta(let i, let text):
                if results[i] == nil { onDelta(i, text) }
            case .deadline:
                for i in order where results[i] == nil { results[i] = .failure(.timedOut(timeout)) }
            }
            while released < order.count, let r = results[order[released]] {
                onResult(order[released], r)
                released += 1
            }
            return results.count == order.count
        }

        /// Cancels the tasks of calls that have no result (the phase was cancelled) or timed out.
        @inline(never) func close(_ tasks: [Task<Void, Never>?]) -> [Int: Result<Output, CallFailure>] {
            if results.count < order.count {
                for t in tasks { t?.cancel() }
                for i in order where results[i] == nil { results[i] = .failure(.cancelled) }
            } else {
                for (i, t) in zip(order, tasks) where results[i].map(PhaseRunner.isTimeout) == true { t?.cancel() }
            }
            return results
        }
    }

    static func outcome<Output: Sendable>(of call: Call<Output>, onDelta: @escaping TokenSink) async -> Result<Output, CallFailure> {
        switch call.body {
        case .work(let work):
            do {
                return .success(try await work(onDelta))
            } catch {
                return .failure(failure(error))
            }
        case .start(let start):
            return await withCheckedContinuation { done in start(onDelta) { done.resume(returning: $0) } }
        }
    }

    /// What a thrown error means for the call.
    static func failure(_ error: any Error) -> CallFailure {
        switch error {
        case let failure as CallFailure: return failure
        case let error as AgentError: return .agent(error)
        case is CancellationError: return .cancelled
        case let m as MalformedReply: return .malformed(m.description)
        default: return .failed(describe(error))
        }
    }

    static func runInline<Output: Sendable>(
        _ calls: [Call<Output>], onDelta: (Int, String) -> Void, onResult: (Int, Result<Output, CallFailure>) -> Void
    ) async -> [Int: Result<Output, CallFailure>] {
        var results: [Int: Result<Output, CallFailure>] = [:]
        let streamed = Mutex<[String]>([])
        for call in calls {
            let r: Result<Output, CallFailure> = Task.isCancelled
                ? .failure(.cancelled) : await outcome(of: call) { text in streamed.withLock { $0.append(text) } }
            // An inline call never suspends: its deltas are all in by now, and go out before its result.
            for text in streamed.withLock({ s in defer { s = [] }; return s }) { onDelta(call.index, text) }
            results[call.index] = r
            onResult(call.index, r)
        }
        return results
    }

    static func isTimeout<O>(_ r: Result<O, CallFailure>) -> Bool {
        if case .failure(.timedOut) = r { return true }
        return false
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 500 ? String(text.prefix(500)) + "…" : text
    }
}
