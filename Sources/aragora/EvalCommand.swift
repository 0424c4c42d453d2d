import AragoraCore
import AragoraDebates
import AragoraEval
import ArgumentParser
import Foundation
import Logging

/// `aragora eval`: the same items answered by each configuration (one agent alone, self-consistency, the panel's
/// majority, a debate), with accuracy, 95% Wilson intervals, cost and paired McNemar tests. Debates go through the
/// debate service, stored like any other unless `--no-save`. With `--out`, each answer is written as it is in, so a
/// budget stop, Ctrl-C or crash keeps the finished ones and rerunning with the same folder goes on from there.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure whether the panel decides better than one model, and at what cost.",
        discussion: """
            Datasets: builtin:arithmetic (Du et al.'s a+b*c+d-e*f, integers 0-30), builtin:comparison (multiple choice), \
            or a file: GSM8K JSONL, multiple-choice JSONL or MMLU-style CSV, generic JSONL {question, answer, choices?}. \
            Configurations: single, self-consistency:N, majority, debate:R. With --out every answer is written as it \
            comes in: after --budget stops the run, after Ctrl-C (exit status 130) or a crash, the same command with the \
            same --out goes on where it stopped. Exit status 2 for a dataset or option that cannot be used.
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

    @Flag(inversion: .prefixedNo, help: "Critics and voters see anonymous labels, not agents' names.")
    var blind = true

    @Flag(help: "Keep the debates in memory only.")
    var noSave = false

    @Option(help: "Answers (an item under one configuration) in flight at once.")
    var concurrency = 4

    @Option(help: "Stop starting answers once this run has spent this many US dollars; the report covers what was done.")
    var budget: Double?

    @Option(help: "A folder for results.jsonl (one line per item and configuration), summary.json, report.md and report.html.")
    var out: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        guard (1...10_000).contains(n) else { throw ValidationError("--n must be between 1 and 10000") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 64") }
        if let budget, !(budget > 0 && budget.isFinite) { throw ValidationError("--budget must be a positive number of US dollars") }
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
        let panel: [any Agent]
        do { panel = try factory.make(specs ?? factory.defaultPanel) } catch {
            Terminal.errorLine("error: \(error)")
            throw CLIExit(code: 2)
        }
        let method = ConsensusMethod(rawValue: consensus)!
        let journal: EvalJournal?
        do {
            journal = try out.map {
                try EvalJournal(directory: $0, terms: .init(dataset: dataset, seed: seed, agents: panel.map(\.identity), consensus: consensus, blind: blind))
            }
        } catch let invalid as EvalJournal.Invalid {
            Terminal.errorLine("error: \(invalid)")
            throw CLIExit(code: 2)
        } catch {
            Terminal.errorLine("error: cannot write to \(out ?? ""): \(error.localizedDescription)")
            throw CLIExit(code: 1)
        }
        var logger = Logger(label: "aragora.eval") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let service: DebateService
        do { service = try await DebateService.make(configuration: config, factory: factory, metrics: metrics, logger: logger) } catch {
            Terminal.errorLine("error: cannot open the store (\(config.database)): \(error) (use --no-save to skip recording)")
            throw CLIExit(code: 1)
        }
        let runner = EvalRunner(agents: panel, seed: seed) { question, rounds, debateSeed in
            await Self.debate(service, question: question, rounds: rounds, seed: debateSeed, specs: specs ?? factory.defaultPanel,
                              consensus: method, blind: blind)
        }
        let session = EvalSession(items: items, configurations: configurations, runner: runner, concurrency: concurrency, budgetUSD: budget)
        if let journal, !journal.previous.isEmpty {
            Terminal.errorLine("resuming from \(journal.results.path): answers already there are skipped")
        }
        let progress = EvalProgressLine()
        let work = Task { try await session.run(previous: journal?.previous ?? [], record: { try journal?.append($0) }, progress: progress.show) }
        let interrupt = InterruptHandler("stopping; finished answers are kept") { work.cancel() }
        let result: EvalSession.Result
        do { result = try await work.value } catch {
            interrupt.stop()
            await service.shutdown()
            Terminal.errorLine("error: cannot write to \(out ?? ""): \(error.localizedDescription)")
            throw CLIExit(code: 1)
        }
        interrupt.stop()
        progress.finish()
        await service.shutdown()

        let rows = EvalSummary.rows(result.outcomes)
        let comparisons = Self.comparisons(rows, result.outcomes)
        let partial = result.stop.map { Self.partialNote($0, result.progress) }
        let summary = Self.summaryJSON(rows, comparisons, items: items.count, dataset: dataset, result: result)
        if let journal {
            do {
                try Data((summary.prettySerialized() + "\n").utf8).write(to: journal.directory.appendingPathComponent("summary.json"), options: .atomic)
                let report = EvalReport(dataset: dataset, items: items.count, rows: rows, comparisons: comparisons, partial: partial)
                try Data(report.markdown.utf8).write(to: journal.directory.appendingPathComponent("report.md"), options: .atomic)
                try Data(report.htmlDocument.utf8).write(to: journal.directory.appendingPathComponent("report.html"), options: .atomic)
            } catch {
                Terminal.errorLine("error: cannot write to \(journal.directory.path): \(error.localizedDescription)")
                throw CLIExit(code: 1)
            }
        }
        if json { print(summary.prettySerialized()) } else { print(Self.table(rows, comparisons, items: items.count)) }
        if let partial {
            let again = out.map { " Rerun with --out \($0) to go on from there." } ?? ""
            Terminal.errorLine("partial: \(partial)\(again)")
        }
        if result.stop == .interrupted { throw CLIExit(code: 130) }
    }

    static func partialNote(_ stop: EvalSession.Stop, _ p: EvalSession.Progress) -> String {
        let why = stop == .budget ? "the budget was reached" : "interrupted"
        return "\(why) after \(p.answered) of \(p.planned) answers (\(p.itemsDone) of \(p.items) items complete)."
    }

    /// One debate through the service; cancelling the caller (Ctrl-C) cancels the debate, so it is stored as
    /// cancelled rather than left for another instance to resume.
    static func debate(_ service: DebateService, question: String, rounds: Int, seed: UInt64, specs: [AgentSpec],
                       consensus: ConsensusMethod, blind: Bool) async -> DebateRecord {
        do {
            let input = try DebateInput(question: question, specs: specs, rounds: rounds, consensus: consensus, seed: seed,
                                        earlyStop: false, blind: blind, config: service.config)
            let record = try await service.startDebate(input)
            return await withTaskCancellationHandler {
                if let done = await service.runner.completion(of: record.id)?.record { return done }
                return (try? await service.store.record(id: record.id)) ?? record
            } onCancel: {
                Task { _ = try? await service.cancelDebate(record.id) }
            }
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

    static func summaryJSON(_ rows: [EvalSummary], _ comparisons: [EvalSummary.Comparison], items: Int, dataset: String,
                            result: EvalSession.Result) -> JSONValue {
        [
            "dataset": .string(dataset), "items": .int(items), "complete": .bool(result.stop == nil),
            "stopped": result.stop.map { .string($0.rawValue) } ?? .null,
            "answered": .int(result.progress.answered), "planned": .int(result.progress.planned),
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
