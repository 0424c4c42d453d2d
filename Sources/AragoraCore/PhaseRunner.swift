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
/// Every call runs in its own task; one deadline bounds the whole phase (all calls start together, so this
/// is the per-call timeout). A call that hangs past it, even one that ignores cancellation, is abandoned
/// and reported as timed out: the debate never waits on it. Unstructured tasks on purpose: a child task of
/// a group could not be abandoned.
struct PhaseRunner {
    struct Call<Output: Sendable>: Sendable {
        var index: Int
        /// The agent never suspends: run it in the calling task.
        var inline: Bool = false
        /// The call; it may hand text to the sink as it is written (streaming).
        var work: @Sendable (TokenSink) async throws -> Output
    }

    enum Arrival<Output: Sendable>: Sendable {
        case done(Int, Result<Output, CallFailure>)
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
        var tasks: [Task<Void, Never>] = []
        tasks.reserveCapacity(calls.count)
        for call in calls {
            tasks.append(Task {
                let result = await outcome(of: call) { continuation.yield(.delta(call.index, $0)) }
                continuation.yield(.done(call.index, result))
            })
        }
        // The deadline is an entry in the shared timer wheel, not a sleeping task: cancelled at the phase's end, it
        // leaves nothing armed behind.
        let timer = TimerWheel.shared.schedule(at: .now + timeout) { continuation.yield(.deadline) }
        let order = calls.map(\.index)
        var results: [Int: Result<Output, CallFailure>] = [:]
        var released = 0
        func release() {
            while released < order.count, let r = results[order[released]] {
                onResult(order[released], r)
                released += 1
            }
        }
        await withTaskCancellationHandler {
            for await arrival in stream {
                switch arrival {
                case .done(let i, let r):
                    results[i] = r
                case .delta(let i, let text):
                    if results[i] == nil { onDelta(i, text) }
                case .deadline:
                    for i in order where results[i] == nil { results[i] = .failure(.timedOut(timeout)) }
                }
                release()
                if results.count == order.count { break }
            }
        } onCancel: {
            continuation.finish()
        }
        TimerWheel.shared.cancel(timer)
        continuation.finish()
        if results.count < order.count {
            for t in tasks { t.cancel() }
            for i in order where results[i] == nil { results[i] = .failure(.cancelled) }
        } else {
            for (i, t) in zip(order, tasks) where results[i].map(Self.isTimeout) == true { t.cancel() }
        }
        return results
    }

    static func outcome<Output: Sendable>(of call: Call<Output>, onDelta: @escaping TokenSink) async -> Result<Output, CallFailure> {
        do {
            return .success(try await call.work(onDelta))
        } catch let failure as CallFailure {
            return .failure(failure)
        } catch let error as AgentError {
            return .failure(.agent(error))
        } catch is CancellationError {
            return .failure(.cancelled)
        } catch let m as MalformedReply {
            return .failure(.malformed(m.description))
        } catch {
            return .failure(.failed(Self.describe(error)))
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
