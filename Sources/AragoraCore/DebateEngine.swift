import Foundation

/// Runs debates: propose (round 1) or revise, critique, vote, in rounds; then the consensus method decides.
///
/// One `DebateEngine` value can run any number of debates at once; each run keeps its state in a
/// `DebateRun` owned by the calling task. Events go to the sink in `seq` order.
public struct DebateEngine: Sendable {
    public var agents: [any Agent]
    /// The extra agent named to judge (`judge` method) when no panel agent has the role `judge`.
    public var judge: (any Agent)?
    public var config: DebateConfig
    public var signer: ReceiptSigner?

    public init(agents: [any Agent], judge: (any Agent)? = nil, config: DebateConfig, signer: ReceiptSigner? = nil) {
        self.agents = agents
        self.judge = judge
        self.config = config
        self.signer = signer
    }

    /// The record a new debate starts from (status `created`): what the service stores before running it.
    public func newRecord(id: String, question: String, context: String? = nil, metadata: [String: JSONValue] = [:],
                          createdAt: Double = Timestamp.now()) -> DebateRecord {
        let panel = agents.filter { $0.identity.role != "judge" }
        return DebateRecord(id: id, task: question, context: context, agents: panel.map(\.identity),
                            judge: config.consensus == .judge ? chooseJudge(panel: panel)?.identity : nil,
                            rounds: config.rounds, consensusMethod: config.consensus, seed: config.seed,
                            metadata: metadata, createdAt: createdAt, blind: config.blind, quorum: config.quorum)
    }

    /// Runs a debate to its end (any terminal status) and returns its record.
    /// - Parameters:
    ///   - checkpoint: called after each completed phase with the state to resume from.
    public func run(_ record: DebateRecord, sink: DebateEventSink? = nil,
                    checkpoint: (@Sendable (DebateCheckpoint) async -> Void)? = nil) async -> DebateRecord {
        await run(record, sink: sink, checkpoint: checkpoint) { $0 }
    }

    /// Like `run`, handing the final record to `end` and returning what it makes of it (see `resume(_:sink:checkpoint:end:)`).
    public func run<T>(_ record: DebateRecord, sink: DebateEventSink? = nil,
                       checkpoint: (@Sendable (DebateCheckpoint) async -> Void)? = nil, end: (DebateRecord) -> T) async -> T {
        await prepare(record, sink: sink, checkpoint: checkpoint).run(end: end)
    }

    /// A new debate made ready to run, in a synchronous step: its record is copied into the run, so a caller that
    /// builds the record and prepares it in a synchronous function of its own holds no record in its async frame
    /// while the debate runs (every debate in flight holds its caller's frame).
    @inline(never) public func prepare(_ record: DebateRecord, sink: DebateEventSink? = nil,
                                       checkpoint: (@Sendable (DebateCheckpoint) async -> Void)? = nil) -> PreparedDebate {
        PreparedDebate(run: DebateRun(engine: self, state: DebateCheckpoint(starting: record), sink: sink, checkpoint: checkpoint))
    }

    /// Continues a debate from a saved checkpoint (or starts it, from a fresh one).
    public func resume(_ start: DebateCheckpoint, sink: DebateEventSink? = nil,
                       checkpoint: (@Sendable (DebateCheckpoint) async -> Void)? = nil) async -> DebateRecord {
        await resume(start, sink: sink, checkpoint: checkpoint) { $0 }
    }

    /// Like `resume`, handing the final record to `end` and returning what it makes of it: a caller that keeps the
    /// record in a class then holds no record-sized value in its async frame for the debate's whole life.
    public func resume<T>(_ start: DebateCheckpoint, sink: DebateEventSink? = nil,
                          checkpoint: (@Sendable (DebateCheckpoint) async -> Void)? = nil, end: (DebateRecord) -> T) async -> T {
        let run = prepare(start, sink: sink, checkpoint: checkpoint)
        await run.execute()
        return run.handOver(end)
    }

    // A synchronous step: the run copies the checkpoint to the heap, so no async frame holds one while the debate runs.
    @inline(never) func prepare(_ start: DebateCheckpoint, sink: DebateEventSink?,
                                checkpoint: (@Sendable (DebateCheckpoint) async -> Void)?) -> DebateRun {
        DebateRun(engine: self, state: start, sink: sink, checkpoint: checkpoint)
    }

    /// Runs a debate and exposes its events as an AsyncSequence; the task's value is the final record.
    public func stream(_ record: DebateRecord) -> (events: AsyncStream<DebateEvent>, result: Task<DebateRecord, Never>) {
        let (stream, continuation) = AsyncStream<DebateEvent>.makeStream()
        let task = Task {
            let final = await run(record, sink: { continuation.yield($0) })
            continuation.finish()
            return final
        }
        continuation.onTermination = { reason in
            if case .cancelled = reason { task.cancel() }
        }
        return (stream, task)
    }

    func agent(named name: String) -> (any Agent)? {
        agents.first { $0.identity.name == name } ?? (judge?.identity.name == name ? judge : nil)
    }

    /// The panel's `judge`-role agent, else the agent named for it, else the panel's highest-rated agent.
    func chooseJudge(panel: [any Agent]) -> (any Agent)? {
        if let byRole = agents.first(where: { $0.identity.role == "judge" }) { return byRole }
        if let judge { return judge }
        return panel.max { (config.ratings[$0.identity.name] ?? EloRating.initial) < (config.ratings[$1.identity.name] ?? EloRating.initial) }
            .flatMap { best in panel.first { (config.ratings[$0.identity.name] ?? EloRating.initial) == (config.ratings[best.identity.name] ?? EloRating.initial) } }
    }
}

/// A debate ready to run (`DebateEngine.prepare`), in the task that prepared it.
public struct PreparedDebate {
    let run: DebateRun

    /// Runs the debate to its end and hands its final record to `end`.
    public func run<T>(end: (DebateRecord) -> T) async -> T {
        await run.execute()
        return run.handOver(end)
    }
}
