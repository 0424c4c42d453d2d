import AragoraCore
import Foundation

/// A debate ready to run from the command line: agents built, record created, receipt key loaded.
struct PreparedDebate {
    var engine: DebateEngine
    var record: DebateRecord
    var seed: UInt64

    init(question: String, agentsText: String?, judgeText: String?, rounds: Int, consensus: ConsensusMethod,
         context: String?, seed: UInt64, callTimeout: Duration, earlyStop: Bool, environment env: [String: String]) throws {
        let latency = Duration.milliseconds(Int(env["ARAGORA_DEMO_LATENCY_MS"] ?? "") ?? 0)
        let factory = AgentFactory(demoLatency: latency)
        let specs = try agentsText.map { try AgentSpec.parseList($0) } ?? AgentFactory.defaultDemoSpecs
        guard (2...10).contains(specs.count) else {
            throw PreparedDebateError("a debate needs 2 to 10 agents, got \(specs.count)")
        }
        let agents = try factory.make(specs)
        let judge = try judgeText.map { text -> any Agent in
            var spec = try AgentSpec.parse(text)
            spec.role = "judge"
            var made = try factory.make([spec])[0]
            if agents.contains(where: { $0.identity.name == made.identity.name }) {
                made = try factory.make([spec, spec])[1]
            }
            return made
        }
        let signer = try ReceiptSigner.load(environmentKey: env["ARAGORA_RECEIPT_KEY"],
                                            directory: DataDirectory.url(environment: env))
        let config = DebateConfig(rounds: rounds, consensus: consensus, seed: seed, callTimeout: callTimeout, earlyStop: earlyStop)
        engine = DebateEngine(agents: agents, judge: judge, config: config, signer: signer)
        record = engine.newRecord(id: DebateID.make(), question: question.trimmingCharacters(in: .whitespacesAndNewlines),
                                  context: context)
        self.seed = seed
    }
}

struct PreparedDebateError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
