import AragoraCore
import AragoraDebates
import AragoraServer
import AragoraStore
import ArgumentParser
import Foundation
import Logging

struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Run a debate on a question and show it live.",
        discussion: """
            Runs offline demo agents unless other agents are named. Examples:
              aragora ask "Should we adopt a monorepo?"
              aragora ask "Rust or Go for the new service?" --agents demo:skeptic,demo:analyst,demo:optimist --rounds 2
              aragora ask "Is TDD worth it?" --seed 7 --json > debate.json
            Exit status: 0 when the debate completed, 1 when it ended in error or timeout, 3 when its budget stopped it, 130 when interrupted.
            """)

    @Argument(help: "The question to debate (1 to 10,000 characters).")
    var question: String

    @Option(help: ArgumentHelp(
        "Comma-separated agents: provider, provider:role, provider:persona or provider|model|persona|role.",
        discussion: "Demo personas: \(DemoAgent.personaNames.joined(separator: ", ")). Default: $ARAGORA_DEFAULT_AGENTS, else demo:skeptic,demo:pragmatist,demo:visionary."))
    var agents: String?

    @Option(help: "Number of rounds, 1 to $ARAGORA_MAX_ROUNDS (default 12); default $ARAGORA_DEFAULT_ROUNDS, else 3.")
    var rounds: Int?

    @Option(help: "Consensus method: \(ConsensusMethod.names).")
    var consensus: String = "judge"

    @Option(help: "An extra agent, outside the panel, that judges (for --consensus judge).")
    var judge: String?

    @Option(help: "Background material every agent reads (up to 100,000 characters).")
    var context: String?

    @Option(help: "Seed for the demo agents: the same seed gives the same transcript. Default: random.")
    var seed: UInt64?

    @Option(help: "Seconds an agent may take for one reply before it counts as failed. Default: ARAGORA_AGENT_TIMEOUT, else 120.")
    var timeout: Double?

    @Option(help: "Most the debate may spend, in USD: it stops before a phase that would pass it.")
    var budget: Double?

    @Flag(help: "Print the full debate record as JSON on stdout (the service's shape) instead of the live view.")
    var json = false

    @Flag(help: "Print only the result, not each round.")
    var quiet = false

    @Flag(help: "Keep going for all rounds even when positions have converged.")
    var noEarlyStop = false

    @Flag(help: "Show agents each other's names when they critique, vote and judge (default: blind review, answers shown as \"Answer A\", \"Answer B\"...).")
    var noBlind = false

    @Option(help: "Valid votes needed for consensus, 1-10 (above the panel's size it is never met). Default: more than half of the panel.")
    var quorum: Int?

    @Flag(help: "Do not record the debate (and its ELO result) in the local store.")
    var noSave = false

    func validate() throws {
        guard ConsensusMethod(rawValue: consensus.lowercased()) != nil else {
            throw ValidationError("unknown --consensus '\(consensus)' (use one of: \(ConsensusMethod.names))")
        }
        if let timeout, !(timeout > 0 && timeout <= 3600) { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
        if let budget, !(budget >= 0) { throw ValidationError("--budget must be a non-negative amount in USD") }
    }

    func run() async throws {
        var config = try await ConfigurationLoader.load()
        if noSave { config.database = .memory }
        // Its own owner id: a service on this host (same instance id) must not take this debate for its own.
        config.instanceID += "/ask-\(getpid())"
        let seed = seed ?? UInt64.random(in: 1...999_999)
        let metrics = ServiceMetrics()
        let factory = try ProviderAgents.load(config, metrics: metrics)
        let input: DebateInput
        do {
            input = try DebateInput(
                question: question, specs: try agents.map { try AgentSpec.parseList($0) }, judge: try judge.map { try AgentSpec.parse($0) },
                rounds: rounds, consensus: ConsensusMethod(rawValue: consensus.lowercased())!, context: context, budgetLimitUSD: budget, seed: seed,
                callTimeout: timeout.map { .milliseconds(Int($0 * 1000)) }, earlyStop: !noEarlyStop, blind: !noBlind, quorum: quorum,
                defaultPanel: factory.defaultPanel,
                config: config)
        } catch {
            Terminal.errorLine("error: \(error) (see 'aragora ask --help')")
            throw CLIExit(code: 2)
        }

        // The same service call as POST /api/debates: the debate is stored, leased and run by the runner.
        var logger = Logger(label: "aragora") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let service: DebateService
        let record: DebateRecord
        do {
            service = try await DebateService.make(configuration: config, factory: factory, metrics: metrics, logger: logger)
        } catch let error as ReceiptKeyError {
            Terminal.errorLine("error: the receipt key: \(error)")
            throw CLIExit(code: 1)
        } catch {
            Terminal.errorLine("error: cannot open the store (\(config.database)): \(error) (use --no-save to skip recording)")
            throw CLIExit(code: 1)
        }
        do { record = try await service.startDebate(input) } catch {
            await service.shutdown()
            Terminal.errorLine("error: \(error)")
            if case .agentUnavailable = error { throw CLIExit(code: 2) }
            throw CLIExit(code: 1)
        }

        let console = Console()
        let view = DebateView(term: Terminal(fileDescriptor: json ? STDERR_FILENO : STDOUT_FILENO), quiet: quiet)
        let liveToStderr = json && isatty(STDERR_FILENO) == 1 && !quiet
        let showLive = !json || liveToStderr
        let interrupt = InterruptHandler { Task { _ = try? await service.cancelDebate(record.id) } }
        let progress = ProgressTicker(console: console)
        let subscription = await service.bus.subscribe(record.id)
        // A debate that ended before we subscribed replays from the store.
        var past = subscription.history ?? []
        if subscription.history == nil { past = (try? await service.store.events(id: record.id, since: 0, limit: 1_000_000)) ?? [] }
        var last = 0
        for event in past {
            last = event.seq
            if showLive, let text = view.render(event) { await console.print(text, toError: json) }
        }
        var writing: [String: String] = [:]  // streamed text per agent, until its message arrives
        for await event in subscription.events where event.seq > last {
            await progress.saw(event)
            if event.type == .tokenDelta, let agent = event.agent {
                writing[agent, default: ""] += event.data["delta"]?.stringValue ?? ""
                if showLive { await console.status(Self.writingLine(agent, writing[agent]!)) }
                continue
            }
            if let agent = event.agent { writing[agent] = nil }
            if showLive, let text = view.render(event) { await console.print(text, toError: json) }
        }
        progress.stop()
        let completion = await service.runner.completion(of: record.id)
        interrupt.stop()
        var stored = completion?.record
        if stored == nil { stored = try await service.store.record(id: record.id) }
        guard let final = stored else {
            await service.shutdown()
            Terminal.errorLine("error: the debate's record is missing")
            throw CLIExit(code: 1)
        }
        let changes = completion?.eloChanges ?? []
        await service.shutdown()

        if json {
            let data = try final.jsonData()
            await console.print(String(decoding: data, as: UTF8.self))
        } else if !quiet {
            let term = Terminal(fileDescriptor: STDOUT_FILENO)
            if !changes.isEmpty {
                let text = changes.map { c in
                    let delta = c.after - c.before
                    return "\(c.agent) \(Int(c.before.rounded()))→\(Int(c.after.rounded())) (\(delta >= 0 ? "+" : "")\(Int(delta.rounded())))"
                }.joined(separator: " · ")
                await console.print(term.bold("ELO: ") + text)
            }
            let saved = noSave ? "not saved" : "saved in \(config.database)"
            await console.print(term.dim("Seed \(seed) · debate id \(final.id) · \(saved)"))
        }
        switch final.status {
        case .completed: return
        case .cancelled where final.metadata["stop_reason"] == "budget": throw CLIExit(code: 3)
        case .cancelled: throw CLIExit(code: 130)
        default: throw CLIExit(code: 1)
        }
    }
}

extension AskCommand {
    /// The transient line that shows an agent's answer as it is written: its last words, on one line.
    static func writingLine(_ agent: String, _ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        let tail = flat.count > 70 ? "…" + flat.suffix(69) : flat
        return "✎ \(agent) is writing: \(tail)"
    }
}

/// Shows a transient "waiting" line when no event has arrived for a while, so a slow agent never
/// looks like a hang.
final class ProgressTicker: Sendable {
    private let task: Task<Void, Never>
    private let state: ProgressState

    actor ProgressState {
        var last = ContinuousClock.now
        var phase = "starting"
        func update(_ e: DebateEvent) {
            last = .now
            switch e.type {
            case .roundStart: phase = "round \(e.round ?? 0): answers"
            case .agentMessage: phase = "round \(e.round ?? 0): answers and critiques"
            case .critique: phase = "round \(e.round ?? 0): critiques and votes"
            case .vote: phase = "round \(e.round ?? 0): votes and next step"
            default: break
            }
        }
        func snapshot() -> (ContinuousClock.Instant, String) { (last, phase) }
    }

    init(console: Console) {
        let state = ProgressState()
        self.state = state
        task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let (last, phase) = await state.snapshot()
                let waited = ContinuousClock.now - last
                if waited > .seconds(2) {
                    await console.status("… waiting for agents (\(phase)) \(Int(waited.components.seconds))s")
                }
            }
        }
    }

    func saw(_ e: DebateEvent) async { await state.update(e) }
    func stop() { task.cancel() }
}
