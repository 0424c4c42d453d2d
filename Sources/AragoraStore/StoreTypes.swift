import Foundation
import AragoraCore

/// One page of a debate listing, newest first. A text search stops counting at `countLimit` matches (counting
/// every match of a word found in a third of 100,000 debates takes longer than finding the page): past it `total`
/// is `countLimit` and `totalIsExact` false. The page itself is always exact, at any offset.
public struct DebatePage: Sendable {
    public static let countLimit = 1_000
    public var items: [DebateSummary]
    public var total: Int
    public var totalIsExact: Bool

    public init(items: [DebateSummary], total: Int, totalIsExact: Bool = true) {
        (self.items, self.total, self.totalIsExact) = (items, total, totalIsExact)
    }

    /// The page of a search that counted `counted` matches with `LIMIT countLimit + 1`.
    public init(items: [DebateSummary], counted: Int) {
        self.init(items: items, total: min(counted, Self.countLimit), totalIsExact: counted <= Self.countLimit)
    }
}

/// One row of a debate listing.
public struct DebateSummary: Sendable, Equatable {
    public var id: String
    public var task: String
    public var status: DebateStatus
    public var createdAt: Double
    public var updatedAt: Double
    public var consensusReached: Bool
    public var confidence: Double?
    /// For unfinished debates (`active`): the instance holding the lease, since when, and where the debate is
    /// (`round 2 critique`, from its last checkpoint).
    public var owner: String?
    public var ownedSince: Double?
    public var phase: String?

    public init(id: String, task: String, status: DebateStatus, createdAt: Double, updatedAt: Double,
                consensusReached: Bool, confidence: Double?, owner: String? = nil, ownedSince: Double? = nil, phase: String? = nil) {
        self.owner = owner
        self.ownedSince = ownedSince
        self.phase = phase
        self.id = id
        self.task = task
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.consensusReached = consensusReached
        self.confidence = confidence
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

    public init(applied: [Int], pending: [Int], latest: Int) {
        self.applied = applied
        self.pending = pending
        self.latest = latest
    }
}

/// An unfinished debate, where to resume it (nil when no phase completed before it stopped), and whether
/// someone asked to cancel it meanwhile.
public struct UnfinishedDebate: Sendable {
    public var record: DebateRecord
    public var checkpoint: DebateCheckpoint?
    public var cancelRequested: Bool

    public init(record: DebateRecord, checkpoint: DebateCheckpoint?, cancelRequested: Bool = false) {
        self.record = record
        self.checkpoint = checkpoint
        self.cancelRequested = cancelRequested
    }
}

/// The right to run one debate and write its progress. `fence` grows with every claim: a write carrying an
/// older fence is refused, so a slow former owner cannot overwrite the new owner's progress.
public struct DebateLease: Sendable, Hashable {
    public var debateID: String
    public var owner: String
    public var fence: Int

    public init(debateID: String, owner: String, fence: Int) {
        self.debateID = debateID
        self.owner = owner
        self.fence = fence
    }
}

/// What a lease renewal learned about the debates an instance holds.
public struct LeaseRenewal: Sendable, Equatable {
    /// Debates no longer held (claimed by another instance, deleted or finished elsewhere).
    public var lost: Set<String>
    /// Held debates whose cancellation was requested (from any instance).
    public var cancelRequested: Set<String>

    public init(lost: Set<String> = [], cancelRequested: Set<String> = []) {
        self.lost = lost
        self.cancelRequested = cancelRequested
    }

    /// What renewing `held` found, from the leases the store still has for the owner (debate id -> fence and
    /// cancel flag): a lease is lost when its debate is not among them or its fence moved.
    init(held: [DebateLease], current: [String: (fence: Int, cancel: Bool)]) {
        self.init()
        for lease in held {
            guard let c = current[lease.debateID], c.fence == lease.fence else {
                lost.insert(lease.debateID)
                continue
            }
            if c.cancel { cancelRequested.insert(lease.debateID) }
        }
    }
}

public enum CancelRequest: Sendable, Equatable {
    case requested
    case alreadyFinished(DebateStatus)
    case notFound
}

extension DebateCheckpoint.Progress {
    /// Where a debate is, for people: `round 2 critique`.
    public var phaseDescription: String { "round \(round) \(step.rawValue)" }

    /// The phase of a stored checkpoint's JSON, if it reads.
    static func phase(ofStored json: String?) -> String? {
        json.flatMap { try? JSONDecoder().decode(DebateCheckpoint.Progress.self, from: Data($0.utf8)) }?.phaseDescription
    }
}

