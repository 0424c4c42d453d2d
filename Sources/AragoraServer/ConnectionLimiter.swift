import AragoraDebates
import DequeModule
import NIOCore
import Synchronization

/// Bounds the open connections (`ARAGORA_MAX_CONNECTIONS`) so a flood of idle or slow ones cannot exhaust the
/// process's descriptors. At the bound, a new connection takes the place of the oldest one that is doing nothing
/// for anyone: first one whose first request head has not arrived (a slowloris or a silent socket), then an idle
/// keep-alive one. Connections with a request in progress, a live stream or a WebSocket are never evicted; only
/// when every connection is busy is the new one refused (a raw 503, then close). So a health probe, which sends
/// its request at once, gets through a flood of silent connections.
final class ConnectionLimiter: Sendable {
    enum Admission {
        case admitted(Ticket)
        case refused
    }

    /// A connection's place in the limiter; reports what the connection is doing.
    struct Ticket: Sendable {
        let id: Int
        let limiter: ConnectionLimiter

        func waitingForHead() { limiter.set(id, .waitingForHead) }
        func busy() { limiter.set(id, .busy) }
        func idle() { limiter.set(id, .idle) }
        func closed() { limiter.remove(id) }
    }

    enum Activity {
        case waitingForHead, idle, busy
    }

    private struct Entry {
        var channel: any Channel
        var activity: Activity
        /// Raised on every change, so stale places in the eviction queues are recognised and skipped.
        var generation: Int
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 0
        /// Eviction candidates, oldest first, as (id, generation).
        var silent = Deque<(Int, Int)>()
        var idle = Deque<(Int, Int)>()
        var evicted = 0
        var refused = 0
    }

    let limit: Int
    private let state = Mutex(State())
    private let metrics: ServiceMetrics?

    init(limit: Int, metrics: ServiceMetrics? = nil) {
        self.limit = max(1, limit)
        self.metrics = metrics
    }

    var openCount: Int { state.withLock { $0.entries.count } }
    /// Connections closed to make room, and connections refused because all were busy.
    var counts: (evicted: Int, refused: Int) { state.withLock { ($0.evicted, $0.refused) } }

    /// Admits a new connection, evicting the oldest silent or idle one when at the bound.
    func admit(_ channel: any Channel) -> Admission {
        let (admission, victim): (Admission, (any Channel)?) = state.withLock { s in
            var victim: (any Channel)?
            if s.entries.count >= limit {
                guard let id = Self.popCandidate(&s.silent, in: s.entries, activity: .waitingForHead)
                    ?? Self.popCandidate(&s.idle, in: s.entries, activity: .idle)
                else {
                    s.refused += 1
                    return (.refused, nil)
                }
                victim = s.entries.removeValue(forKey: id)?.channel
                s.evicted += 1
            }
            let id = s.nextID
            s.nextID += 1
            s.entries[id] = Entry(channel: channel, activity: .waitingForHead, generation: 0)
            s.silent.append((id, 0))
            return (.admitted(Ticket(id: id, limiter: self)), victim)
        }
        if let victim {
            victim.close(promise: nil)
            metrics?.increment("aragora_connections_evicted_total")
        }
        if case .refused = admission { metrics?.increment("aragora_connections_refused_total") }
        return admission
    }

    private static func popCandidate(_ queue: inout Deque<(Int, Int)>, in entries: [Int: Entry], activity: Activity) -> Int? {
        while let (id, generation) = queue.popFirst() {
            if let entry = entries[id], entry.generation == generation, entry.activity == activity { return id }
        }
        return nil
    }

    private func set(_ id: Int, _ activity: Activity) {
        state.withLock { s in
            // In place: copying the entry out and back retained and released its channel (twice a request).
            guard let i = s.entries.index(forKey: id), s.entries.values[i].activity != activity else { return }
            s.entries.values[i].activity = activity
            s.entries.values[i].generation += 1
            let generation = s.entries.values[i].generation
            switch activity {
            case .waitingForHead: s.silent.append((id, generation))
            case .idle: s.idle.append((id, generation))
            case .busy: break
            }
            // Stale places are dropped lazily; bound them so a long-lived busy server does not accumulate them.
            if s.idle.count > 4 * limit { s.idle.removeAll { s.entries[$0.0]?.generation != $0.1 } }
        }
    }

    private func remove(_ id: Int) {
        state.withLock { s in
            s.entries.removeValue(forKey: id)
            if s.silent.count > 4 * limit { s.silent.removeAll { s.entries[$0.0]?.generation != $0.1 } }
        }
    }
}
