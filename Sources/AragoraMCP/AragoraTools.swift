import AragoraCore
import AragoraDebates
import AragoraStore
import Crypto
import Foundation
import MCP
import Synchronization

/// The tools, on the debate service directly (no HTTP in between). Bad arguments throw `-32602`; what a model
/// should read and act on (no such debate, outside the token's scope, no such provider) is a tool error.
struct AragoraTools: Sendable {
    let service: DebateService
    let access: MCPAccess
    /// Sends a notification to the caller, on the transport its request came in by.
    let notify: @Sendable (ProgressNotification.Parameters) async -> Void

    static let defaultWait = 45.0

    struct ToolError: Error {
        var message: String
    }

    func call(_ params: CallTool.Parameters) async throws -> CallTool.Result {
        let token = params._meta?.progressToken
        do {
            switch params.name {
            case "debate":
                let a = try ToolArguments(tool: "debate", params.arguments,
                                          allowed: ["question", "context", "agents", "rounds", "consensus", "blind", "budget", "wait_seconds"])
                return try await debate(a, context: a.string("context", maxLength: DebateLimits.contextCharacters), progress: token)
            case "follow_up":
                let a = try ToolArguments(tool: "follow_up", params.arguments,
                                          allowed: ["debate_id", "question", "agents", "rounds", "consensus", "blind", "budget", "wait_seconds"])
                return try await followUp(a, progress: token)
            case "get_debate":
                return try await getDebate(ToolArguments(tool: "get_debate", params.arguments, allowed: ["debate_id", "round", "max_chars"]))
            case "search_debates":
                return try await search(ToolArguments(tool: "search_debates", params.arguments, allowed: ["text", "status", "limit"]))
            case "cancel_debate":
                return try await cancel(ToolArguments(tool: "cancel_debate", params.arguments, allowed: ["debate_id"]))
            case "verify_receipt":
                return try verifyReceipt(ToolArguments(tool: "verify_receipt", params.arguments, allowed: ["receipt"]))
            case "list_agents":
                _ = try ToolArguments(tool: "list_agents", params.arguments, allowed: [])
                return try listAgents()
            case "leaderboard":
                return try await leaderboard(ToolArguments(tool: "leaderboard", params.arguments, allowed: ["limit"]))
            default:
                throw MCPError.invalidParams("unknown tool '\(params.name)' (tools/list names them)")
            }
        } catch let error as ToolError {
            return CallTool.Result(content: [.text(text: error.message, annotations: nil, _meta: nil)], isError: true)
        }
    }

    static func result(_ json: JSONValue, text: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: Optional<Value>.some(Value(json)))
    }

    // MARK: - Debates

    func debate(_ a: ToolArguments, context: String?, progress: ProgressToken?, follows: String? = nil) async throws -> CallTool.Result {
        guard access.mayStartAndList else { throw ToolError(message: access.refusal("start debates")) }
        let question = try a.string("question", required: true)!
        let consensus = try a.string("consensus").map { name throws(MCPError) -> ConsensusMethod in
            guard let m = ConsensusMethod(rawValue: name) else {
                throw a.bad("consensus", "must be one of \(ConsensusMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return m
        }
        let wait = try a.number("wait_seconds", in: 0...600) ?? Self.defaultWait
        let input: DebateInput
        do {
            input = try DebateInput(question: question, specs: a.agents(), rounds: a.int("rounds", in: 1...service.config.maxRounds),
                                    consensus: consensus ?? .judge, context: context, budgetLimitUSD: a.number("budget", in: 0...1_000_000),
                                    blind: a.bool("blind") ?? true, defaultPanel: service.factory.defaultPanel, config: service.config)
        } catch let error as DebateInputError {
            if error.kind == .misconfigured { throw ToolError(message: error.description) }
            throw MCPError.invalidParams("\(a.tool): \(error.description)")
        }
        let record: DebateRecord
        do { record = try await service.startDebate(input) } catch {
            throw ToolError(message: "the debate could not start: \(error)")
        }
        let (now, soFar) = await follow(record.id, wait: wait, progress: progress)
        var json = DebateResultShape.json(now, soFar: soFar)
        if let follows, case .object(var o) = json {
            o["follows"] = .string(follows)
            json = .object(o)
        }
        return Self.result(json, text: DebateResultShape.text(now, soFar: soFar))
    }

    /// Follows a debate's events for up to `wait` seconds, as progress notifications when the caller gave a token;
    /// returns the debate as the store holds it then, and, when it is still running, the last step seen.
    func follow(_ id: String, wait: Double, progress token: ProgressToken?) async -> (DebateRecord, String?) {
        let subscription = await service.bus.subscribe(id)
        let lastStep = LastStep()
        await withTaskGroup(of: Void.self) { [notify] group in
            group.addTask { await Self.report(subscription, to: notify, token: token, lastStep: lastStep) }
            group.addTask { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            await group.next()
            group.cancelAll()
        }
        subscription.cancel()
        // The store holds the final record before the event stream ends; a debate still running, its last checkpoint.
        let stored = try? await service.store.record(id: id)
        let now = stored ?? DebateRecord(id: id, task: "", agents: [], rounds: 0, consensusMethod: .judge, seed: 0, createdAt: 0)
        return (now, now.status.isTerminal ? nil : lastStep.value)
    }

    final class LastStep: Sendable {
        private let step = Mutex<String?>(nil)
        var value: String? {
            get { step.withLock { $0 } }
            set { step.withLock { $0 = newValue } }
        }
    }

    /// Every step of the subscription (what happened so far, then what follows) as a progress notification,
    /// until the debate ends or the caller stops waiting.
    static func report(_ subscription: EventSubscription, to notify: @Sendable (ProgressNotification.Parameters) async -> Void,
                       token: ProgressToken?, lastStep: LastStep) async {
        var sent = 0.0, last = 0
        func see(_ e: DebateEvent) async {
            // A takeover replays from its checkpoint: steps already reported are not reported again.
            guard e.seq > last || e.type == .debateResumed else { return }
            if e.type != .debateResumed { last = e.seq }
            guard let message = ProgressMessage.of(e) else { return }
            lastStep.value = message
            guard let token else { return }
            sent += 1
            await notify(.init(progressToken: token, progress: sent, message: message))
        }
        for e in subscription.history ?? [] { await see(e) }
        for await e in subscription.events { await see(e) }
    }

    func followUp(_ a: ToolArguments, progress: ProgressToken?) async throws -> CallTool.Result {
        let id = try a.debateID()
        let earlier = try await readable(id)
        guard earlier.status.isTerminal else { throw ToolError(message: "debate \(id) is still \(earlier.status.rawValue): follow up once it has finished") }
        var context = "This follows an earlier debate (\(id)) on: \(earlier.task)\n"
        if let c = earlier.consensus {
            context += "Its final answer (\(c.reached ? "consensus" : "no consensus"), \(c.method.rawValue)): \(c.finalAnswer)\n"
            for d in c.dissent { context += "Dissent from \(d.agent): \(d.reason)\n" }
        } else {
            context += "It ended \(earlier.status.rawValue) without an answer\(earlier.error.map { ": \($0)" } ?? "").\n"
        }
        let limit = DebateLimits.contextCharacters
        if DebateLimits.length(context) > limit { context = String(context.prefix(limit - 1)) + "…" }
        return try await debate(a, context: context, progress: progress, follows: id)
    }

    /// The debate, when it exists and the caller may read it.
    func readable(_ id: String) async throws -> DebateRecord {
        guard access.mayRead(id) else { throw ToolError(message: access.refusal("debate \(id)")) }
        guard let record = try await service.store.record(id: id) else { throw ToolError(message: "no debate \(id)") }
        return record
    }

    func getDebate(_ a: ToolArguments) async throws -> CallTool.Result {
        let id = try a.debateID()
        let round = try a.int("round", in: 1...1_000)
        let budget = try a.int("max_chars", in: 1_000...100_000) ?? TranscriptSummary.defaultBudget
        let record = try await readable(id)
        let transcript = TranscriptSummary.render(record, round: round, budget: budget)
        guard case .object(var o) = DebateResultShape.json(record) else { return Self.result(.null, text: transcript) }
        o["transcript"] = .string(transcript)
        return Self.result(.object(o), text: DebateResultShape.text(record) + "\n\nTranscript:\n" + transcript)
    }

    func search(_ a: ToolArguments) async throws -> CallTool.Result {
        guard access.mayStartAndList else { throw ToolError(message: access.refusal("search debates")) }
        let text = try a.string("text", maxLength: DebateLimits.questionCharacters)?.trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try a.string("status").map { name throws(MCPError) -> DebateStatus in
            guard let s = DebateStatus(rawValue: name) else { throw a.bad("status", "is not a debate status") }
            return s
        }
        let limit = try a.int("limit", in: 1...50) ?? 10
        let page = try await service.store.list(limit: limit, offset: 0, status: status, matching: text?.isEmpty == true ? nil : text)
        let rows: [JSONValue] = page.items.map { d in
            ["debate_id": .string(d.id), "question": .string(d.task), "status": .string(d.status.rawValue),
             "created_at": .string(Timestamp.iso8601(d.createdAt)), "consensus_reached": .bool(d.consensusReached),
             "confidence": d.confidence.map(JSONValue.double) ?? .null]
        }
        let lines = page.items.map { "\($0.id) · \($0.status.rawValue) · \($0.task)" }
        return Self.result(["total": .int(page.total), "debates": .array(rows)],
                           text: lines.isEmpty ? "No debates found." : "\(page.total) found:\n" + lines.joined(separator: "\n"))
    }

    func cancel(_ a: ToolArguments) async throws -> CallTool.Result {
        let id = try a.debateID()
        _ = try await readable(id)
        let outcome = try await service.cancelDebate(id)
        let (cancelled, detail): (Bool, String)
        switch outcome {
        case .requested: (cancelled, detail) = (true, "cancel requested; the debate stops at its next step")
        case .alreadyFinished(let s): (cancelled, detail) = (false, "already finished: \(s.rawValue)")
        case .notFound: throw ToolError(message: "no debate \(id)")
        }
        let status = (try? await service.store.record(id: id))?.status.rawValue ?? "unknown"
        return Self.result(["debate_id": .string(id), "cancelled": .bool(cancelled), "status": .string(status), "detail": .string(detail)],
                           text: "Debate \(id): \(detail).")
    }

    // MARK: - Receipts, agents, ratings

    func verifyReceipt(_ a: ToolArguments) throws -> CallTool.Result {
        guard let given = a.values["receipt"] else { throw a.bad("receipt", "is required") }
        let document: JSONValue
        if let text = given.stringValue {
            guard let parsed = JSONValue.parse(text) else { throw a.bad("receipt", "is not JSON") }
            document = parsed
        } else if given.objectValue != nil {
            document = given
        } else {
            throw a.bad("receipt", "must be a JSON object or its text")
        }
        let ours = service.signer.publicKeyHex
        func answer(_ valid: Bool, _ format: String, id: String?, digest: String?, reason: String?, signedHere: Bool) -> CallTool.Result {
            let text = valid ? "Valid \(format == "odr" ? "Open Decision Receipt" : "receipt") of debate \(id ?? "?")"
                + (signedHere ? ", signed by this server's key." : ", signed by another key (not this server's).")
                : "Not valid: \(reason ?? "unknown reason")"
            return Self.result(["valid": .bool(valid), "format": .string(format), "debate_id": id.map(JSONValue.string) ?? .null,
                                "digest": digest.map(JSONValue.string) ?? .null, "reason": reason.map(JSONValue.string) ?? .null,
                                "signed_by_this_server": .bool(signedHere)], text: text)
        }
        if OpenDecisionReceiptVerifier.isODR(document) {
            let key = Data(hex: ours).flatMap { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
            let result = OpenDecisionReceiptVerifier.verify(document, publicKey: key)
            let reason = result.failures.map { "\($0.name): \($0.detail)" }.joined(separator: "; ")
            return answer(result.ok, "odr", id: document["receipt_id"]?.stringValue, digest: result.digest,
                          reason: result.ok ? nil : reason, signedHere: result.ok && !result.authenticityUnverified)
        }
        let receipt: Receipt
        do { receipt = try ReceiptVerifier.load(Data(document.serialized().utf8)) } catch {
            return answer(false, "aragora", id: nil, digest: nil, reason: "\(error)", signedHere: false)
        }
        let problem = ReceiptVerifier.problem(with: receipt)
        return answer(problem == nil, "aragora", id: receipt.payload["debate_id"]?.stringValue, digest: receipt.digest,
                      reason: problem.map { "\($0)" }, signedHere: problem == nil && receipt.publicKey.lowercased() == ours.lowercased())
    }

    func listAgents() throws -> CallTool.Result {
        var rows: [JSONValue] = DemoAgent.personaNames.map { p in
            ["name": .string("demo:\(p)"), "provider": "demo", "model": .string("demo-\(p)"), "configured": true,
             "input_per_mtok": 0, "output_per_mtok": 0]
        }
        for l in service.factory.listings {
            rows.append(["name": .string(l.provider), "provider": .string(l.provider), "model": .string(l.defaultModel),
                         "configured": .bool(l.configured), "input_per_mtok": l.inputPerMTok.map(JSONValue.double) ?? .null,
                         "output_per_mtok": l.outputPerMTok.map(JSONValue.double) ?? .null])
        }
        let panel = service.factory.defaultPanel.map(\.description)
        let text = "Default panel: \(panel.joined(separator: ", "))\n" + rows.map { r in
            "\(r["name"]?.stringValue ?? "") (\(r["model"]?.stringValue ?? ""))\(r["configured"] == false ? ", not configured" : "")"
        }.joined(separator: "\n")
        return Self.result(["default_panel": .array(panel.map(JSONValue.string)), "agents": .array(rows)], text: text)
    }

    func leaderboard(_ a: ToolArguments) async throws -> CallTool.Result {
        let limit = try a.int("limit", in: 1...100) ?? 20
        let ratings = try await service.store.leaderboard(limit: limit)
        let rows: [JSONValue] = ratings.enumerated().map { i, r in
            ["rank": .int(i + 1), "agent": .string(r.agent), "rating": .double(r.rating), "wins": .int(r.wins), "losses": .int(r.losses),
             "draws": .int(r.draws), "debates": .int(r.debates)]
        }
        let text = ratings.isEmpty ? "No rated agents yet." : ratings.enumerated().map { i, r in
            "\(i + 1). \(r.agent) \(Int(r.rating.rounded())) (\(r.wins)-\(r.losses)-\(r.draws))"
        }.joined(separator: "\n")
        return Self.result(["rows": .array(rows)], text: text)
    }
}
