import AragoraCore
import Synchronization

/// A store that keeps everything in memory: for tests, benchmarks and throwaway runs. Same semantics as the
/// durable stores (leases, fences, cancel requests), checked by the same conformance suite.
public final class MemoryDebateStore: DebateStore {
    public let backend = "memory"

    struct Row {
        var record: DebateRecord
        var json: [UInt8]
        var progress: DebateCheckpoint.Progress?
        var updatedAt: Double
        var leaseOwner: String?
        var leaseFence = 0
        var leaseExpires = 0.0
        var claimedAt: Double?
        var cancelRequested = false
        var events: [DebateEvent] = []
    }

    struct State {
        var debates: [String: Row] = [:]
        var ratings: [String: AgentRating] = [:]
        var matches: Set<String> = []
        var closed = false
    }

    private let state = Mutex(State())

    public init() {}

    private func withState<T>(_ body: (inout State) throws -> T) throws -> T {
        try state.withLock { s in
            if s.closed { throw StoreError.closed }
            return try body(&s)
        }
    }

    public func migrate() async throws -> [Int] { [] }
    public func migrationState() async throws -> MigrationState { MigrationState(applied: [], pending: [], latest: 0) }
    public func ping() async throws { try withState { _ in } }

    public func create(_ record: DebateRecord, owner: String, leaseSeconds: Double) async throws -> DebateLease {
        let json = record.storedJSON()
        return try withState { s in
            guard s.debates[record.id] == nil else { throw StoreError.duplicate(record.id) }
            s.debates[record.id] = Row(record: record, json: json, progress: nil, updatedAt: record.createdAt, leaseOwner: owner,
                                       leaseFence: 1, leaseExpires: Timestamp.now() + leaseSeconds,
                                       claimedAt: Timestamp.now())
            return DebateLease(debateID: record.id, owner: owner, fence: 1)
        }
    }

    public func save(_ record: DebateRecord, progress: DebateCheckpoint.Progress?, events: [DebateEvent], lease: DebateLease) async throws {
        let json = record.storedJSON()
        try withState { s in
            guard var row = s.debates[record.id], row.leaseOwner == lease.owner, row.leaseFence == lease.fence else {
                throw StoreError.leaseLost(record.id)
            }
            row.record = record
            row.json = json
            row.progress = progress
            row.updatedAt = Timestamp.now()
            for e in events {
                if let i = row.events.lastIndex(where: { $0.seq <= e.seq }) {
                    if row.events[i].seq == e.seq { row.events[i] = e } else { row.events.insert(e, at: i + 1) }
                } else {
                    row.events.insert(e, at: 0)
                }
            }
            if record.status.isTerminal {
                row.leaseOwner = nil
                row.leaseExpires = 0
            }
            s.debates[record.id] = row
        }
    }

    public func recordJSON(id: String) async throws -> [UInt8]? { try withState { $0.debates[id]?.json } }
    public func record(id: String) async throws -> DebateRecord? { try withState { $0.debates[id]?.record } }

    public func list(limit: Int, offset: Int, status: DebateStatus?, matching: String?) async throws -> DebatePage {
        let text = matching.flatMap { $0.isEmpty ? nil : $0 }
        return try withState { s in
            let rows = s.debates.values.filter {
                (status == nil || $0.record.status == status) && (text == nil || $0.record.task.range(of: text!, options: .caseInsensitive) != nil)
            }.sorted(by: Self.newestFirst)
            let items = rows.dropFirst(offset).prefix(limit).map(Self.summary)
            return text == nil ? DebatePage(items: items, total: rows.count) : DebatePage(items: items, counted: rows.count)
        }
    }

    public func active(limit: Int) async throws -> (items: [DebateSummary], total: Int) {
        try withState { s in
            let rows = s.debates.values.filter { !$0.record.status.isTerminal }.sorted(by: Self.newestFirst)
            return (rows.prefix(limit).map { row in
                var summary = Self.summary(row)
                summary.owner = row.leaseOwner
                summary.ownedSince = row.leaseOwner == nil ? nil : row.claimedAt
                summary.phase = row.progress?.phaseDescription
                return summary
            }, rows.count)
        }
    }

    public func events(id: String, since: Int, limit: Int) async throws -> [DebateEvent] {
        try withState { s in Array((s.debates[id]?.events ?? []).filter { $0.seq > since }.prefix(limit)) }
    }

    public func delete(id: String) async throws -> Bool {
        try withState { s in s.debates.removeValue(forKey: id) != nil }
    }

    public func claimable(reclaiming owner: String?, now: Double, limit: Int) async throws -> [UnfinishedDebate] {
        try withState { s in
            s.debates.values.filter { !$0.record.status.isTerminal && Self.isClaimable($0, by: owner, now: now) }
                .sorted { ($0.record.createdAt, $0.record.id) < ($1.record.createdAt, $1.record.id) }
                .prefix(limit)
                .map { row in
                    UnfinishedDebate(record: row.record, checkpoint: row.progress.map { DebateCheckpoint(record: row.record, progress: $0) },
                                     cancelRequested: row.cancelRequested)
                }
        }
    }

    public func claim(id: String, owner: String, leaseSeconds: Double, now: Double) async throws -> DebateLease? {
        try withState { s in
            guard var row = s.debates[id], !row.record.status.isTerminal, Self.isClaimable(row, by: owner, now: now) else { return nil }
            row.leaseOwner = owner
            row.leaseFence += 1
            row.leaseExpires = now + leaseSeconds
            row.claimedAt = now
            s.debates[id] = row
            return DebateLease(debateID: id, owner: owner, fence: row.leaseFence)
        }
    }

    public func renewLeases(owner: String, held: [DebateLease], leaseSeconds: Double, now: Double) async throws -> LeaseRenewal {
        try withState { s in
            var renewal = LeaseRenewal()
            for lease in held {
                guard var row = s.debates[lease.debateID], !row.record.status.isTerminal, row.leaseOwner == owner,
                      row.leaseFence == lease.fence else {
                    renewal.lost.insert(lease.debateID)
                    continue
                }
                row.leaseExpires = now + leaseSeconds
                if row.cancelRequested { renewal.cancelRequested.insert(lease.debateID) }
                s.debates[lease.debateID] = row
            }
            return renewal
        }
    }

    public func release(_ lease: DebateLease) async throws {
        try withState { s in
            guard var row = s.debates[lease.debateID], row.leaseFence == lease.fence, row.leaseOwner == lease.owner else { return }
            row.leaseOwner = nil
            row.leaseExpires = 0
            s.debates[lease.debateID] = row
        }
    }

    public func requestCancel(id: String) async throws -> CancelRequest {
        try withState { s in
            guard var row = s.debates[id] else { return .notFound }
            guard !row.record.status.isTerminal else { return .alreadyFinished(row.record.status) }
            row.cancelRequested = true
            s.debates[id] = row
            return .requested
        }
    }

    public func ratings(for agents: [String]) async throws -> [String: AgentRating] {
        try withState { s in s.ratings.filter { agents.contains($0.key) } }
    }

    public func recordMatch(debateID: String, changes: [EloRating.Change]) async throws {
        try withState { s in
            guard s.matches.insert(debateID).inserted else { return }
            for c in changes {
                var r = s.ratings[c.agent] ?? AgentRating(agent: c.agent)
                r.rating += c.after - c.before
                r.debates += 1
                switch c.outcome {
                case .win: r.wins += 1
                case .loss: r.losses += 1
                case .draw: r.draws += 1
                }
                s.ratings[c.agent] = r
            }
        }
    }

    public func leaderboard(limit: Int) async throws -> [AgentRating] {
        try withState { s in Array(s.ratings.values.sorted { ($0.rating, $1.agent) > ($1.rating, $0.agent) }.prefix(limit)) }
    }

    public func close() async throws { state.withLock { $0.closed = true } }

    // MARK: - Helpers

    static func isClaimable(_ row: Row, by owner: String?, now: Double) -> Bool {
        row.leaseOwner == nil || (owner != nil && row.leaseOwner == owner) || row.leaseExpires < now
    }

    static func newestFirst(_ a: Row, _ b: Row) -> Bool {
        a.record.createdAt != b.record.createdAt ? a.record.createdAt > b.record.createdAt : a.record.id < b.record.id
    }

    static func summary(_ row: Row) -> DebateSummary {
        DebateSummary(id: row.record.id, task: row.record.task, status: row.record.status, createdAt: row.record.createdAt,
                      updatedAt: row.updatedAt, consensusReached: row.record.consensusReached, confidence: row.record.confidence)
    }
}
