import AragoraCore
import AragoraDebates
import AragoraEval
import ArgumentParser
import Foundation
import Logging

/// `aragora eval`: the same items answered by each configuration (one agent alone, self-consistency, the panel's
/// majority, a debate), with accuracy, 95% Wilson intervals, cost and paired McNemar tests. Debates go through the
/// debate service, stored like any other unless `--no-save`. (Issue 22 in progress: resume, budget and concurrency
/// come next.)
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure whether the panel decides better than one model, and at what cost.",
        discussion: """
            Datasets: builtin:arithmetic (Du et al.'s a+b*c+d-e*f, integers 0-30), builtin:comparison (multiple choice), \
            or a file: GSM8K JSONL, multiple-choice JSONL or MMLU-style CSV, generic JSONL {question, answer, choices?}. \
            Configurations: single, self-consistency:N, majority, debate:R. Exit status 2 for a dataset or option that \
            cannot be used.
            """)

    @Option(help: "builtin:arithmetic, builtin:comparison, or a file.")
    var dataset = "builtin:arithmetic"

    @Option(help: "Items at most.")
    var n = 100

    @Option(help: "Seed for the built-in sets and the agents.")
    var seed: UInt64 = 1

    @Option(help: "Comma-separated: single, self-consistency:N, majority, debate:R.")
    var configs = "single,majority,debate:2"

    @Option(help: "The panel (as for aragora ask); default: the configured providers, else demo agents.")
    var agents: String?

    @Option(help: "How debates decide: majority, supermajority, unanimous, weighted, judge.")
    var consensus = "majority"

    @Flag(help: "Critics and voters see agents' names.")
    var noBlind = false

    @Flag(help: "Keep the debates in memory only.")
    var noSave = false

    @Option(help: "A folder for results.jsonl (one line per item and configuration), summary.json, report.md and report.html.")
    var out: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        guard (1...10_000).contains(n) else { throw ValidationError("--n must be between 1 and 10000") }
        guard let method = ConsensusMethod(rawValue: consensus), method != .none else {
            throw ValidationError("--consensus must be one of majority, supermajority, unanimous, weighted, judge")
        }
    }

    func run() async throws {
        var config = try await ConfigurationLoader.load()
        if noSave { config.database = .memory }
        config.instanceID += "/eval-\(getpid())"
        let items: [EvalItem]
        let configurations: [EvalConfiguration]
        let specs: [AgentSpec]?
        do {
            items = try DatasetLoader.load(dataset, n: n, seed: seed)
            configurations = try EvalConfiguration.parseList(configs)
            specs = try agents.map { try AgentSpec.parseList($0) }
        } catch {
            Terminal.errorLine("error: \(error)")
            throw CLIExit(code: 2)
        }
        let metrics = ServiceMetrics()
        let factory = try ProviderAgents.load(config, metrics: metrics)
        var logger = Logger(label: "aragora.eval") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let service: DebateService
        do { service = try await DebateService.make(configuration: config, factory: factory, metrics: metrics, logger: logger) } catch {
            Terminal.errorLine("error: cannot open the store (\(config.database)): \(error) (use --no-save to skip recording)")
            throw CLIExit(code: 1)
        }
        let panel: [any Agent]
        do { panel = try factory.make(specs ?? factory.defaultPanel) } catch {
            await service.shutdown()
            Terminal.errorLine("error: \(error)")
            throw CLIExit(code: 2)
        }
        let method = ConsensusMethod(rawValue: consensus)!
        let blind = !noBlind
        let runner = EvalRunner(agents: panel, seed: seed) { question, rounds, debateSeed in
            await Self.debate(service, question: question, rounds: rounds, seed: debateSeed, specs: specs ?? factory.defaultPanel,
                              consensus: method, blind: blind)
        }

        var outcomes: [EvalOutcome] = []
        let started = ContinuousClock.now
        for (index, item) in items.enumerated() {
            for configuration in configurations { outcomes += await runner.run(item, configuration) }
            let spent = outcomes.map(\.usage.costUSD).reduce(0, +)
            let elapsed = (ContinuousClock.now - started).seconds
            let eta = elapsed / Double(index + 1) * Double(items.count - index - 1)
            Terminal.errorLine("\(index + 1)/\(items.count) items · \(Int(elapsed)) s · about \(Int(eta)) s left · $\(String(format: "%.4f", spent))")
        }
        await service.shutdown()

        let rows = EvalSummary.rows(outcomes)
        let comparisons = Self.comparisons(rows, outcomes)
        let summary = Self.summaryJSON(rows, comparisons, items: items.count, dataset: dataset)
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                let lines = try outcomes.map { try $0.jsonString() }.joined(separator: "\n") + "\n"
                try Data(lines.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("results.jsonl"))
                try Data((summary.prettySerialized() + "\n").utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("summary.json"))
                let report = EvalReport(dataset: dataset, items: items.count, rows: rows, comparisons: comparisons)
                try Data(report.markdown.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("report.md"))
                try Data(report.htmlDocument.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("report.html"))
            } catch {
                Terminal.errorLine("error: cannot write to \(out): \(error.localizedDescription)")
                throw CLIExit(code: 1)
            }
        }
        if json { return print(summary.prettySerialized()) }
        print(Self.table(rows, comparisons, items: items.count))
    }

    static func debate(_ service: DebateService, question: String, rounds: Int, seed: UInt64, specs: [AgentSpec],
                       consensus: ConsensusMethod, blind: Bool) async -> DebateRecord {
        do {
            let input = try DebateInput(question: question, specs: specs, rounds: rounds, consensus: consensus, seed: seed,
                                        earlyStop: false, blind: blind, config: service.config)
            let record = try await service.startDebate(input)
            if let done = await service.runner.completion(of: record.id)?.record { return done }
            return (try? await service.store.record(id: record.id)) ?? record
        } catch {
            var failed = DebateRecord(id: "none", task: question, agents: [], rounds: rounds, consensusMethod: consensus, seed: seed,
                                      createdAt: Timestamp.now())
            failed.status = .error
            failed.error = "\(error)"
            return failed
        }
    }

    /// Each debate against the best single agent and against the panel's majority.
    static func comparisons(_ rows: [EvalSummary], _ outcomes: [EvalOutcome]) -> [EvalSummary.Comparison] {
        let best = rows.filter { $0.configuration.hasPrefix("single:") }.max { $0.correct < $1.correct }
        var out: [EvalSummary.Comparison] = []
        for debate in rows where debate.configuration.hasPrefix("debate:") {
            if let best { out.append(EvalSummary.compare(debate.configuration, best.configuration, in: outcomes)) }
            if rows.contains(where: { $0.configuration == "majority" }) {
                out.append(EvalSummary.compare(debate.configuration, "majority", in: outcomes))
            }
        }
        return out
    }

    static func summaryJSON(_ rows: [EvalSummary], _ comparisons: [EvalSummary.Comparison], items: Int, dataset: String) -> JSONValue {
        [
            "dataset": .string(dataset), "items": .int(items),
            "configurations": .array(rows.map { r in
                ["configuration": .string(r.configuration), "correct": .int(r.correct), "total": .int(r.total),
                 "accuracy": .double(r.accuracy), "wilson_95": [.double(r.low), .double(r.high)], "calls": .int(r.calls),
                 "input_tokens": .int(r.usage.inputTokens), "output_tokens": .int(r.usage.outputTokens),
                 "cost_usd": .double(r.usage.costUSD), "seconds": .double(r.seconds)]
            }),
            "comparisons": .array(comparisons.map { c in
                ["first": .string(c.first), "second": .string(c.second), "items": .int(c.items), "only_first": .int(c.onlyFirst),
                 "only_second": .int(c.onlySecond), "mcnemar_p": .double(c.p)]
            }),
        ]
    }

    static func table(_ rows: [EvalSummary], _ comparisons: [EvalSummary.Comparison], items: Int) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        let width = max(16, rows.map(\.configuration.count).max() ?? 0) + 2
        var lines = [pad("configuration", width) + pad("accuracy", 10) + pad("95% interval", 17) + pad("calls", 7) + pad("tokens in/out", 16)
                     + pad("cost", 10) + "seconds"]
        for r in rows {
            lines.append(pad(r.configuration, width) + pad("\(pct(r.accuracy))", 10) + pad("\(pct(r.low))-\(pct(r.high))", 17)
                         + pad(String(r.calls), 7) + pad("\(r.usage.inputTokens)/\(r.usage.outputTokens)", 16)
                         + pad("$" + String(format: "%.4f", r.usage.costUSD), 10) + String(format: "%.1f", r.seconds))
        }
        lines.append("\(items) items")
        for c in comparisons {
            lines.append("\(c.first) vs \(c.second): right only under the first \(c.onlyFirst), only under the second \(c.onlySecond) "
                         + "of \(c.items); exact McNemar p = \(String(format: "%.4f", c.p))")
        }
        return lines.joined(separator: "\n")
    }
}
