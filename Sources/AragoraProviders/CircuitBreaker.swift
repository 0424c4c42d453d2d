import AragoraCore
import Synchronization

/// Stops calling a provider that keeps failing: after `threshold` failures in a row (rate limits, server and
/// network errors, timeouts) calls fail at once for `cooldown`; then one trial call is let through, and its
/// success closes the circuit again. One breaker per provider, shared by every agent and debate of the process.
public final class CircuitBreaker: Sendable {
    public let threshold: Int
    public let cooldown: Duration
    private struct State {
        var failures = 0
        var openUntil: ContinuousClock.Instant?
        var trialInFlight = false
    }
    private let state = Mutex(State())

    public init(threshold: Int = 5, cooldown: Duration = .seconds(30)) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    /// nil when a call may go ahead; else how long until the circuit lets one through.
    public func admit(now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLock { s in
            guard let until = s.openUntil else { return nil }
            if now < until { return now.duration(to: until) }
            if s.trialInFlight { return .seconds(1) }
            s.trialInFlight = true
            return nil
        }
    }

    public func record(success: Bool, now: ContinuousClock.Instant = .now) {
        state.withLock { s in
            s.trialInFlight = false
            if success {
                s.failures = 0
                s.openUntil = nil
                return
            }
            s.failures += 1
            if s.failures >= threshold { s.openUntil = now + cooldown }
        }
    }

    public var isOpen: Bool { state.withLock { $0.openUntil.map { ContinuousClock.now < $0 } ?? false } }

    /// Whether a failure says the provider is unwell (and should count), rather than something about this call.
    static func counts(_ error: AgentError) -> Bool {
        switch error {
        case .rateLimit, .server, .network, .timeout: return true
        case .auth, .quota, .badResponse: return false
        }
    }
}
