import AragoraDebates
import Foundation
import Synchronization

/// One connection's spending against its `WebSocketLimits`, and the debates it has already had replayed (each at
/// most once for the connection's lifetime: `unsubscribe` does not reset it).
final class WebSocketBudget: Sendable {
    private struct State {
        var tokens: Double
        var refilledAt: ContinuousClock.Instant
        var replayBytes = 0
        var replayed: Set<String> = []
    }
    let limits: WebSocketLimits
    private let state: Mutex<State>

    init(_ limits: WebSocketLimits) {
        self.limits = limits
        state = Mutex(State(tokens: Double(limits.messageBurst), refilledAt: .now))
    }

    /// Takes one inbound message from the bucket; false when the connection is over its rate.
    func takeMessage(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { s in
            let elapsed = now - s.refilledAt
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            s.tokens = min(Double(limits.messageBurst), s.tokens + seconds * limits.messagesPerSecond)
            s.refilledAt = now
            guard s.tokens >= 1 else { return false }
            s.tokens -= 1
            return true
        }
    }

    /// Marks `id` replayed; false if it already was on this connection.
    func startReplay(_ id: String) -> Bool { state.withLock { $0.replayed.insert(id).inserted } }

    /// Counts replayed bytes; false once the connection's replay allowance is spent.
    func spendReplay(_ bytes: Int) -> Bool {
        state.withLock { s in
            s.replayBytes += bytes
            return s.replayBytes <= limits.maxReplayBytes
        }
    }
}
