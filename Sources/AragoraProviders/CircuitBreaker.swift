import AragoraCore
import Synchronization

/// Stops calling a provider that keeps failing: after `threshold` failures in a row (rate limits, server and
/// network errors, timeouts) calls fail at once (`unavailable`) for `cooldown`; then one trial call is let
/// through, and calls arriving meanwhile wait for its outcome instead of failing: its success closes the
/// circuit and lets them all go, its failure opens it again. One breaker per provider, shared by every agent and
/// debate of the process; `onChange` hears each transition (`open`, `half_open`, `closed`).
public final class CircuitBreaker: Sendable {
    public let threshold: Int
    public let cooldown: Duration
    private let onChange: @Sendable (String) -> Void
    private struct State {
        var failures = 0
        var openUntil: ContinuousClock.Instant?
        var trialInFlight = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init(threshold: Int = 5, cooldown: Duration = .seconds(30), onChange: @escaping @Sendable (String) -> Void = { _ in }) {
        self.threshold = threshold
        self.cooldown = cooldown
        self.onChange = onChange
    }

    enum Decision { case go, trial, wait, refuse(Duration) }

    /// nil when a call may go ahead (waiting first behind a trial call in flight); else how long until the circuit
    /// lets one through.
    public func admit() async -> Duration? {
        while true {
            let decision: Decision = state.withLock { s in
                guard let until = s.openUntil else { return .go }
                let now = ContinuousClock.now
                if now < until { return .refuse(now.duration(to: until)) }
                if s.trialInFlight { return .wait }
                s.trialInFlight = true
                return .trial
            }
            switch decision {
            case .go:
                return nil
            case .trial:
                onChange("half_open")
                return nil
            case .refuse(let wait):
                return wait
            case .wait:
                // Resumed when the trial ends; then decided again (closed: go; open again: refused).
                await withCheckedContinuation { c in
                    let resumeNow = state.withLock { s -> Bool in
                        guard s.trialInFlight else { return true }
                        s.waiting.append(c)
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            }
        }
    }

    public func record(success: Bool, now: ContinuousClock.Instant = .now) {
        let (waiters, change) = state.withLock { s -> ([CheckedContinuation<Void, Never>], String?) in
            let wasTrial = s.trialInFlight
            let wasOpen = s.openUntil != nil
            s.trialInFlight = false
            let waiters = s.waiting
            s.waiting = []
            if success {
                s.failures = 0
                s.openUntil = nil
                return (waiters, wasOpen ? "closed" : nil)
            }
            s.failures += 1
            guard s.failures >= threshold else { return (waiters, nil) }
            s.openUntil = now + cooldown
            return (waiters, wasTrial || !wasOpen ? "open" : nil)
        }
        if let change { onChange(change) }
        waiters.forEach { $0.resume() }
    }

    public var isOpen: Bool { state.withLock { $0.openUntil.map { ContinuousClock.now < $0 } ?? false } }

    /// A call let through ended without an outcome (cancelled): if it was the trial, the next caller becomes it.
    public func abandon() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard s.trialInFlight else { return [] }
            s.trialInFlight = false
            defer { s.waiting = [] }
            return s.waiting
        }
        waiters.forEach { $0.resume() }
    }

    /// Whether a failure says the provider is unwell (and should count), rather than something about this call.
    static func counts(_ error: AgentError) -> Bool {
        switch error {
        case .rateLimit, .server, .network, .timeout: return true
        case .auth, .quota, .badResponse, .unavailable: return false
        }
    }
}
