import AragoraCore
import AragoraStore
import Hummingbird

/// `GET /api/agents` and `GET /api/leaderboard`.
struct AgentController {
    let service: AragoraService

    func register(on router: Router<AppRequestContext>) {
        router.api(.get, "/agents") { _, _ in try await agents() }
        router.api(.get, "/leaderboard") { request, _ in try await leaderboard(request) }
    }

    /// Agents that can be used now (demo personas and configured providers), with their ratings.
    func agents() async throws -> Response {
        var entries: [(name: String, provider: String, model: String, persona: String?)] = DemoAgent.personaNames.map {
            ("demo-\($0)", "demo", "demo-\($0)", $0)
        }
        for provider in service.factory.availableProviders where provider != "demo" {
            entries.append((provider, provider, "default", nil))
        }
        let ratings = try await service.store.ratings(for: entries.map(\.name))
        let list: [JSONValue] = entries.map { e in
            let r = ratings[e.name] ?? AgentRating(agent: e.name)
            return ["name": .string(e.name), "provider": .string(e.provider), "model": .string(e.model),
                    "persona": JSONValue(e.persona), "available": true, "elo": .double(r.rating), "wins": .int(r.wins),
                    "losses": .int(r.losses), "draws": .int(r.draws), "debates": .int(r.debates),
                    "spec": .string(e.persona.map { "demo:\($0)" } ?? e.provider)]
        }
        return JSONResponse.make(["agents": .array(list), "total": .int(list.count)])
    }

    func leaderboard(_ request: Request) async throws -> Response {
        let limit = try DebateController.intParam(request.uri.queryParameters["limit"].map(String.init), name: "limit",
                                                  default: 50, range: 1...500)
        let rows = try await service.store.leaderboard(limit: limit)
        let list: [JSONValue] = rows.enumerated().map { i, r in
            ["rank": .int(i + 1), "agent": .string(r.agent), "name": .string(r.agent), "elo": .double((r.rating * 10).rounded() / 10),
             "wins": .int(r.wins), "losses": .int(r.losses), "draws": .int(r.draws), "debates": .int(r.debates),
             "win_rate": .double(r.debates > 0 ? (Double(r.wins) / Double(r.debates) * 1000).rounded() / 1000 : 0)]
        }
        return JSONResponse.make(["leaderboard": .array(list), "agents": .array(list), "total": .int(list.count)])
    }
}
