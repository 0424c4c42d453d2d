import AragoraCore
import Foundation

/// One row of a debate listing.
public struct DebateSummary: Sendable, Equatable {
    public var id: String
    public var task: String
    public var status: DebateStatus
    public var createdAt: Double
    public var updatedAt: Double
    public var consensusReached: Bool
    public var confidence: Double

    public var json: JSONValue {
        ["id": .string(id), "debate_id": .string(id), "task": .string(task), "status": .string(status.rawValue),
         "created_at": .string(Timestamp.iso8601(createdAt)), "updated_at": .string(Timestamp.iso8601(updatedAt)),
         "consensus_reached": .bool(consensusReached), "confidence": .double(confidence)]
    }
}

/// An agent's standing on the leaderboard.
public struct AgentRating: Sendable, Equatable {
    public var agent: String
    public var rating: Double
    public var wins: Int
    public var losses: Int
    public var draws: Int
    public var debates: Int

    public init(agent: String, rating: Double = EloRating.initial, wins: Int = 0, losses: Int = 0, draws: Int = 0, debates: Int = 0) {
        self.agent = agent
        self.rating = rating
        self.wins = wins
        self.losses = losses
        self.draws = draws
        self.debates = debates
    }
}

public struct MigrationState: Sendable, Equatable {
    public var applied: [Int]
    public var pending: [Int]
    public var latest: Int
}

/// A debate that was not finished when the process stopped.
public struct UnfinishedDebate: Sendable {
    public var record: DebateRecord
    public var checkpoint: DebateCheckpoint?
}

/// Persistence for debates, their events and ELO ratings. Every implementation passes the same
/// conformance tests (`DebateStoreConformance`).
public protocol DebateStore: Sendable {
    var backend: String { get }

    func migrate() async throws -> [Int]
    func migrationState() async throws -> MigrationState
    /// A trivial round trip, for health checks.
    func ping() async throws

    /// Stores a new debate (status `created`). Fails with `StoreError.duplicate` if the id exists.
    func create(_ record: DebateRecord) async throws
    /// Saves progress: the record, the checkpoint to resume from, and the events emitted since the last save.
    func save(_ record: DebateRecord, checkpoint: DebateCheckpoint?, events: [DebateEvent]) async throws
    /// The record's JSON as the API serves it.
    func recordJSON(id: String) async throws -> [UInt8]?
    func record(id: String) async throws -> DebateRecord?
    func list(limit: Int, offset: Int, status: DebateStatus?) async throws -> (items: [DebateSummary], total: Int)
    func events(id: String, since: Int, limit: Int) async throws -> [DebateEvent]
    /// Deletes a debate and its events; false when it did not exist.
    func delete(id: String) async throws -> Bool
    func unfinished() async throws -> [UnfinishedDebate]

    func ratings(for agents: [String]) async throws -> [String: AgentRating]
    /// Applies a finished debate's ELO changes once (idempotent per debate).
    func recordMatch(debateID: String, changes: [EloRating.Change]) async throws
    func leaderboard(limit: Int) async throws -> [AgentRating]

    func close() async throws
}

public enum StoreError: Error, CustomStringConvertible {
    case duplicate(String)
    case corrupt(String)
    case unavailable(String)

    public var description: String {
        switch self {
        case .duplicate(let id): return "a debate with id \(id) already exists"
        case .corrupt(let what): return "stored data is unreadable: \(what)"
        case .unavailable(let why): return "database unavailable: \(why)"
        }
    }
}
