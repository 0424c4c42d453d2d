import AragoraCore
import AragoraDebates
import AragoraStore
import Hummingbird

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
        let list: [JSONValue] = entries.map { e in
            let r = ratings[e.name] ?? AgentRating(agent: e.name)
            var item: [String: JSONValue] = [
                "name": .string(e.name), "provider": .string(e.provider), "model": .string(e.model),
                "persona": JSONValue(e.persona), "available": true, "elo": .double(r.rating), "wins": .int(r.wins),
                "losses": .int(r.losses), "draws": .int(r.draws), "debates": .int(r.debates),
                "spec": .string(e.persona.map { "demo:\($0)" } ?? e.provider),
                "configured": .bool(e.listing?.configured ?? true),
            ]
            if let l = e.listing {
                item["price"] = l.inputPerMTok.map { input in
                    ["input_per_mtok": .double(input), "output_per_mtok": .double(l.outputPerMTok ?? 0), "currency": "USD"]
                } ?? .null
            } else {
                item["price"] = ["input_per_mtok": 0.0, "output_per_mtok": 0.0, "currency": "USD"]
            }
            return .object(item)
        }
        return JSONResponse.make(["agents": .array(list), "total": .int(list.count),
                                  "default_panel": JSONValue(service.debates.factory.defaultPanel.map(\.description))])
    }

    func leaderboard(_ request: Request) async throws -> Response {
        let limit = try DebateController.intParam(request.uri.queryParameters["limit"].map(String.init), name: "limit",
                                                  default: 50, range: 1...500)
        let rows = try await service.debates.store.leaderboard(limit: limit)
        let list: [JSONValue] = rows.enumerated().map { i, r in
            ["rank": .int(i + 1), "agent": .string(r.agent), "name": .string(r.agent), "elo": .double((r.rating * 10).rounded() / 10),
             "wins": .int(r.wins), "losses": .int(r.losses), "draws": .int(r.draws), "debates": .int(r.debates),
             "win_rate": .double(r.debates > 0 ? (Double(r.wins) / Double(r.debates) * 1000).rounded() / 1000 : 0)]
        }
        return JSONResponse.make(["leaderboard": .array(list), "agents": .array(list), "total": .int(list.count)])
    }
}
