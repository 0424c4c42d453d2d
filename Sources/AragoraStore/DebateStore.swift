import AragoraCore

/// Persistence for debates, their events and ELO ratings, shared by every instance of the service.
///
/// Every implementation passes the same conformance suite (`Tests/AragoraStoreTests/DebateStoreConformance`).
/// Debates are owned through leases so several instances can share one store: the instance that creates or
/// claims a debate holds its lease, renews it while the debate is queued or running, and writes progress
/// fenced by it; when the holder dies its lease expires and any instance may claim the debate and resume it.
public protocol DebateStore: Sendable {
    /// `sqlite`, `memory` or `postgres`: shown in health checks.
    var backend: String { get }

    func migrate() async throws -> [Int]
    func migrationState() async throws -> MigrationState
    /// A trivial round trip, for health checks.
    func ping() async throws
    /// What a health check shows beside the round trip (a pool's state); empty when there is nothing to say.
    var healthDetails: [String: JSONValue] { get }

    /// Stores a new debate (status `created`) leased to `owner`. Fails with `StoreError.duplicate` if the id exists.
    func create(_ record: DebateRecord, owner: String, leaseSeconds: Double) async throws -> DebateLease
    /// Saves progress: the record, where to resume (nil once finished) and the events emitted since the last
    /// save. Fenced: fails with `StoreError.leaseLost` and changes nothing when the lease is no longer held (another
    /// instance claimed the debate, or it was deleted). A terminal status releases the lease.
    func save(_ record: DebateRecord, progress: DebateCheckpoint.Progress?, events: [DebateEvent], lease: DebateLease) async throws
    /// The record's JSON as stored (the record's Codable shape).
    func recordJSON(id: String) async throws -> [UInt8]?
    func record(id: String) async throws -> DebateRecord?
    /// Newest first; `matching`: only debates whose question contains it, ignoring case (ASCII letters), counted
    /// up to `DebatePage.countLimit`.
    func list(limit: Int, offset: Int, status: DebateStatus?, matching: String?) async throws -> DebatePage
    /// Debates not finished yet (`created` or `running`), newest first, wherever they run, with their count.
    func active(limit: Int) async throws -> (items: [DebateSummary], total: Int)
    func events(id: String, since: Int, limit: Int) async throws -> [DebateEvent]
    /// Deletes a debate and its events; false when it did not exist. A holder's later fenced writes fail.
    func delete(id: String) async throws -> Bool

    // MARK: Ownership
    // Lease expiry is decided on one clock: PostgreSQL's `now()` in the statement that claims or renews (the `now`
    // arguments are then ignored), so instances whose clocks disagree never take a renewed debate from each other.
    // SQLite is one host's file and the in-memory store one process: there `now` is that host's clock.

    /// Unfinished debates that may be taken over: unowned or lease expired, and, when `reclaiming` is given,
    /// those leased to it (the previous run of a restarting instance). Oldest first.
    func claimable(reclaiming owner: String?, now: Double, limit: Int) async throws -> [UnfinishedDebate]
    /// Takes the lease of an unfinished debate that is unowned, expired or already `owner`'s; nil otherwise.
    /// Every claim raises the fence, so writes under an older lease fail.
    func claim(id: String, owner: String, leaseSeconds: Double, now: Double) async throws -> DebateLease?
    /// Extends every lease `owner` holds; reports which of `held` are lost and which have a cancel request.
    func renewLeases(owner: String, held: [DebateLease], leaseSeconds: Double, now: Double) async throws -> LeaseRenewal
    /// Gives a lease up (shutdown): any instance may claim the debate at once.
    func release(_ lease: DebateLease) async throws
    /// Asks whichever instance runs an unfinished debate to cancel it (seen at its next lease renewal).
    func requestCancel(id: String) async throws -> CancelRequest

    // MARK: Ratings

    func ratings(for agents: [String]) async throws -> [String: AgentRating]
    /// Applies a finished debate's ELO changes once (idempotent per debate).
    func recordMatch(debateID: String, changes: [EloRating.Change]) async throws
    func leaderboard(limit: Int) async throws -> [AgentRating]

    /// Commits pending writes and closes; later calls fail with `StoreError.unavailable`.
    func close() async throws
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case duplicate(String)
    case corrupt(String)
    case unavailable(String)
    /// The debate's lease is held by someone else now, or the debate was deleted.
    case leaseLost(String)
    /// The disk (or the database's size limit) is full: writes fail until space is freed.
    case noSpace(String)

    /// This process closed the store (it is shutting down): nothing it retries will succeed.
    public static let closed = StoreError.unavailable("the store is closed (shutting down)")

    public var description: String {
        switch self {
        case .duplicate(let id): return "a debate with id \(id) already exists"
        case .corrupt(let what): return "stored data is unreadable: \(what)"
        case .unavailable(let why): return "database unavailable: \(why)"
        case .leaseLost(let id): return "debate \(id) is no longer owned by this instance (claimed elsewhere or deleted)"
        case .noSpace(let why): return "no space left for the database: \(why)"
        }
    }
}

extension DebateStore {
    public var healthDetails: [String: JSONValue] { [:] }
}

extension DebateStore {
    public func list(limit: Int, offset: Int, status: DebateStatus?) async throws -> DebatePage {
        try await list(limit: limit, offset: offset, status: status, matching: nil)
    }

    /// A LIKE pattern finding `text` anywhere: `%`, `_` and the escape character itself match literally.
    static func containsPattern(_ text: String) -> String {
        var escaped = ""
        for c in text {
            if c == "%" || c == "_" || c == "\\" { escaped.append("\\") }
            escaped.append(c)
        }
        return "%" + escaped + "%"
    }
}
