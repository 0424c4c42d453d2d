import AragoraCore
import AragoraDebates
import AragoraStore
import Hummingbird
import NIOCore
import Synchronization

/// `GET /api/agents` and `GET /api/leaderboard`.
struct AgentController {
    let service: ServerContext

    func register(on router: Router<AppRequestContext>) {
        router.api(.get, "/agents") { _, _ in try await agents() }
        router.api(.get, "/leaderboard") { request, _ in try await leaderboard(request) }
    }

    /// Agents that can be used now: the demo personas and every usable LLM provider, with its default model,
    /// whether it is configured (a key or a server address; configured ones make the default panel), its price per
    /// million tokens and the ratings.
    func agents() async throws -> Response {
        // The list changes with configuration only; the ratings in it with finished debates. Encoding it was four
        // fifths of this route's work (docs/benchmarks.md): the body is kept until a debate finishes here, or for
        // a second (a debate finished on another instance shows within it).
        let generation = service.debates.runner.stats.finished
        if let body = service.agentList.body(generation: generation) { return JSONResponse.buffer(body) }
        let body = ByteBuffer(bytes: try await agentList())
        service.agentList.keep(body, generation: generation)
        return JSONResponse.buffer(body)
    }

    func agentList() async throws -> [UInt8] {
        struct Entry {
            var name, provider, model: String
            var persona: String?
            var listing: ProviderListing?
        }
        var entries = DemoAgent.personaNames.map { Entry(name: "demo-\($0)", provider: "demo", model: "demo-\($0)", persona: $0) }
        for listing in service.debates.factory.listings {
            entries.append(Entry(name: listing.provider, provider: listing.provider, model: listing.defaultModel, listing: listing))
        }
        let ratings = try await service.debates.store.ratings(for: entries.map(\.name))
        let list = entries.map { e in
            let price = e.listing.map { l in l.inputPerMTok.map { AgentResponse.Price(inputPerMTok: $0, outputPerMTok: l.outputPerMTok ?? 0) } }
                ?? AgentResponse.Price(inputPerMTok: 0, outputPerMTok: 0)  // demo agents cost nothing
            return AgentResponse(name: e.name, spec: e.persona.map { "demo:\($0)" } ?? e.provider, provider: e.provider, model: e.model,
                                 persona: e.persona, configured: e.listing?.configured ?? true,
                                 rating: ratings[e.name] ?? AgentRating(agent: e.name), price: price)
        }
        return try JSONByteEncoder().encode(AgentListResponse(agents: list, defaultPanel: service.debates.factory.defaultPanel.map(\.description)))
    }

    func leaderboard(_ request: Request) async throws -> Response {
        let limit = try DebateController.intParam(request.uri.queryParameters["limit"].map(String.init), name: "limit",
                                                  default: 50, range: 1...500)
        let rows = try await service.debates.store.leaderboard(limit: limit)
        return try JSONResponse.encode(LeaderboardResponse(rows: rows.enumerated().map { RatingResponse(rank: $0.offset + 1, rating: $0.element) }))
    }
}

/// The last `/api/agents` body and the finished-debate count it was built at; good for `maxAge`.
final class AgentListCache: Sendable {
    private let kept = Mutex<(body: ByteBuffer, generation: Int, at: ContinuousClock.Instant)?>(nil)
    let maxAge: Duration

    init(maxAge: Duration = .seconds(1)) {
        self.maxAge = maxAge
    }

    func body(generation: Int) -> ByteBuffer? {
        kept.withLock { k in
            guard let k, k.generation == generation, ContinuousClock.now - k.at < maxAge else { return nil }
            return k.body
        }
    }

    func keep(_ body: ByteBuffer, generation: Int) {
        kept.withLock { $0 = (body, generation, .now) }
    }
}
