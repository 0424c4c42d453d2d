import AragoraCore
import AragoraStore

// The API's response bodies, one Encodable type each, written by `JSONResponse.encode` (the byte encoder). The
// OpenAPI document describes each exactly (no other members), and `ResponseSchemaTests` checks real responses
// against it, as schemathesis does in CI.

/// `POST /api/debates`.
struct DebateCreatedResponse: Encodable {
    let success = true
    var debateID: String
    let status = "created"
    var task: String
    var websocketURL: String

    enum CodingKeys: String, CodingKey { case success, debateID = "debate_id", status, task, websocketURL = "websocket_url" }
}

/// `GET /api/debates` (with the paging fields) and `/api/debates/active` (without). Optional members are left out
/// when nil (the synthesized encoding).
struct DebateListResponse: Encodable {
    var debates: [DebateSummaryResponse]
    var count: Int
    var total: Int
    var totalExact: Bool?
    var limit: Int?
    var offset: Int?

    init(debates: [DebateSummaryResponse], total: Int, totalExact: Bool? = nil, limit: Int? = nil, offset: Int? = nil) {
        (self.debates, count, self.total, self.totalExact, self.limit, self.offset) = (debates, debates.count, total, totalExact, limit, offset)
    }

    enum CodingKeys: String, CodingKey { case debates, count, total, totalExact = "total_exact", limit, offset }
}

/// `GET /api/debates/{id}/messages`.
struct MessagePageResponse: Encodable {
    var debateID: String
    var messages: [DebateMessage]
    var total: Int
    var offset: Int
    var limit: Int
    var hasMore: Bool

    enum CodingKeys: String, CodingKey { case debateID = "debate_id", messages, total, offset, limit, hasMore = "has_more" }
}

/// `GET /api/debates/{id}/events`.
struct EventPageResponse: Encodable {
    var debateID: String
    var events: [DebateEvent]
    var count: Int
    var nextSince: Int
    var active: Bool

    init(debateID: String, events: [DebateEvent], nextSince: Int, active: Bool) {
        (self.debateID, self.events, count, self.nextSince, self.active) = (debateID, events, events.count, nextSince, active)
    }

    enum CodingKeys: String, CodingKey { case debateID = "debate_id", events, count, nextSince = "next_since", active }
}

/// `POST /api/debates/{id}/cancel` (`status: cancelling`) and `DELETE /api/debates/{id}` (`deleted: true`).
struct DebateChangeResponse: Encodable {
    let success = true
    var debateID: String
    var status: String?
    var deleted: Bool?

    enum CodingKeys: String, CodingKey { case success, debateID = "debate_id", status, deleted }
}

/// One entry of `GET /api/agents`.
struct AgentResponse: Encodable {
    struct Price: Encodable {
        var inputPerMTok: Double
        var outputPerMTok: Double
        let currency = "USD"
        enum CodingKeys: String, CodingKey { case inputPerMTok = "input_per_mtok", outputPerMTok = "output_per_mtok", currency }
    }

    var name: String
    var spec: String
    var provider: String
    var model: String
    var persona: String?
    let available = true
    var configured: Bool
    var rating: AgentRating
    /// Per million tokens; nil (null) when the model's price is unknown.
    var price: Price?

    enum CodingKeys: String, CodingKey {
        case name, spec, provider, model, persona, available, configured, elo, wins, losses, draws, debates, price
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(spec, forKey: .spec)
        try c.encode(provider, forKey: .provider)
        try c.encode(model, forKey: .model)
        try c.encode(persona, forKey: .persona)
        try c.encode(available, forKey: .available)
        try c.encode(configured, forKey: .configured)
        try c.encode(rating.rating, forKey: .elo)
        try c.encode(rating.wins, forKey: .wins)
        try c.encode(rating.losses, forKey: .losses)
        try c.encode(rating.draws, forKey: .draws)
        try c.encode(rating.debates, forKey: .debates)
        try c.encode(price, forKey: .price)
    }
}

/// `GET /api/agents`.
struct AgentListResponse: Encodable {
    var agents: [AgentResponse]
    var total: Int
    var defaultPanel: [String]

    init(agents: [AgentResponse], defaultPanel: [String]) { (self.agents, total, self.defaultPanel) = (agents, agents.count, defaultPanel) }

    enum CodingKeys: String, CodingKey { case agents, total, defaultPanel = "default_panel" }
}

/// One row of `GET /api/leaderboard`.
struct RatingResponse: Encodable {
    var rank: Int
    var rating: AgentRating

    enum CodingKeys: String, CodingKey { case rank, agent, name, elo, wins, losses, draws, debates, winRate = "win_rate" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rank, forKey: .rank)
        try c.encode(rating.agent, forKey: .agent)
        try c.encode(rating.agent, forKey: .name)
        try c.encode((rating.rating * 10).rounded() / 10, forKey: .elo)
        try c.encode(rating.wins, forKey: .wins)
        try c.encode(rating.losses, forKey: .losses)
        try c.encode(rating.draws, forKey: .draws)
        try c.encode(rating.debates, forKey: .debates)
        try c.encode(rating.debates > 0 ? (Double(rating.wins) / Double(rating.debates) * 1000).rounded() / 1000 : 0, forKey: .winRate)
    }
}

/// `GET /api/leaderboard`: the rows under both names clients read.
struct LeaderboardResponse: Encodable {
    var rows: [RatingResponse]

    enum CodingKeys: String, CodingKey { case leaderboard, agents, total }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rows, forKey: .leaderboard)
        try c.encode(rows, forKey: .agents)
        try c.encode(rows.count, forKey: .total)
    }
}

/// `/healthz`, `/readyz`: a status word and, when not ready, why.
struct ProbeResponse: Encodable {
    var status: String
    var reason: String?
}
