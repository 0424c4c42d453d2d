import AragoraCore
import AragoraStore
import Foundation
import Logging

/// Runs accepted debates in the background: at most `maxConcurrent` at once, the rest queued in
/// arrival order. Saves a checkpoint (record, resume point, new events) after every phase, so a crash
/// loses at most the phase in progress, and resumes unfinished debates at startup.
public actor DebateRunner {
    let store: any DebateStore
    let hub: EventHub
    let factory: AgentFactory
    let signer: ReceiptSigner
    let config: ServerConfiguration
    let metrics: ServiceMetrics
    let logger: Logger

    struct Job {
        var engine: DebateEngine
        var start: DebateCheckpoint
    }

    private var queue: [String] = []
    private var jobs: [String: Job] = [:]
    private var running: [String: Task<Void, Never>] = [:]
    private var cancelRequested: Set<String> = []
    private var shuttingDown = false

    init(store: any DebateStore, hub: EventHub, factory: AgentFactory, signer: ReceiptSigner, config: ServerConfiguration,
         metrics: ServiceMetrics, logger: Logger) {
        self.store = store
        self.hub = hub
        self.factory = factory
        self.signer = signer
        self.config = config
        self.metrics = metrics
        self.logger = logger
    }

    /// Active and queued counts readable without waiting on the actor (health checks, metrics).
    public nonisolated let stats = RunnerStats()
    public func isActive(_ id: String) -> Bool { running[id] != nil || jobs[id] != nil }

    /// Builds the engine for a debate from its record (new, or read back after a restart).
    nonisolated func engine(for record: DebateRecord) throws -> DebateEngine {
        var agents: [any Agent] = []
        for identity in record.agents { agents.append(try factory.make(identity: identity)) }
        let judge = try record.judge.flatMap { j in record.agents.contains(j) ? nil : try factory.make(identity: j) }
        let debateConfig = DebateConfig(rounds: record.rounds, consensus: record.consensusMethod, seed: record.seed,
                                        callTimeout: .milliseconds(Int(config.callTimeout * 1000)),
                                        debateTimeout: .milliseconds(Int(config.debateTimeout * 1000)))
        return DebateEngine(agents: agents, judge: judge, config: debateConfig, signer: signer)
    }

    /// Accepts a stored, `created` debate for running.
    public func submit(_ record: DebateRecord, engine: DebateEngine) {
        enqueue(record.id, Job(engine: engine, start: DebateCheckpoint(record: record, active: record.agents.map(\.name))))
    }

    private func enqueue(_ id: String, _ job: Job) {
        jobs[id] = job
        queue.append(id)
        hub.open(id, prior: [])
        pump()
    }

    private func pump() {
        while !shuttingDown, running.count < config.maxConcurrentDebates, !queue.isEmpty {
            let id = queue.removeFirst()
            guard let job = jobs.removeValue(forKey: id) else { continue }
            running[id] = Task { await self.execute(id, job) }
        }
        stats.set(active: running.count, queued: queue.count)
        metrics.setGauge("aragora_debates_active", Double(running.count))
        metrics.setGauge("aragora_debates_queued", Double(queue.count))
    }

    private func execute(_ id: String, _ job: Job) async {
        let start = job.start
        if start.record.status == .created {
            // Visible to clients at once as running; the engine makes the same change in its record.
            var visible = start.record
            visible.status = .running
            visible.startedAt = Timestamp.now()
            try? await store.save(visible, checkpoint: nil, events: [])
        }
        let hub = self.hub
        let logger = self.logger
        let persisted = PersistedDebate(store: store) { id, error in
            logger.error("checkpoint failed", metadata: ["debate_id": "\(id)", "error": "\(error)"])
        }
        let (final, unsaved) = await persisted.run(job.engine, from: start, publish: { hub.publish($0) })
        await finished(id, final, unsaved: unsaved, persisted: persisted)
    }

    private func finished(_ id: String, _ record: DebateRecord, unsaved: [DebateEvent], persisted: PersistedDebate) async {
        running[id] = nil
        let interruptedByShutdown = shuttingDown && record.status == .cancelled && !cancelRequested.contains(id)
        cancelRequested.remove(id)
        if interruptedByShutdown {
            // Keep the last checkpoint (status running): the next start resumes it.
            logger.info("debate checkpointed for shutdown", metadata: ["debate_id": "\(id)"])
        } else {
            // A cancelled debate's task is itself cancelled: save from a fresh task so the write still happens.
            let save = Task { try await persisted.finish(record, unsaved: unsaved) }
            do { try await save.value } catch {
                logger.error("saving the finished debate failed", metadata: ["debate_id": "\(id)", "error": "\(error)"])
            }
            metrics.increment("aragora_debates_finished_total", labels: ["status": record.status.rawValue])
            logger.info("debate finished", metadata: [
                "debate_id": "\(id)", "status": "\(record.status.rawValue)", "rounds_used": "\(record.roundsUsed)",
                "duration_s": "\(record.durationSeconds ?? 0)",
            ])
        }
        hub.close(id)
        pump()
    }

    /// Cancels a queued or running debate. Returns false when it is not active here.
    public func cancel(_ id: String) async -> Bool {
        if let job = jobs.removeValue(forKey: id) {
            queue.removeAll { $0 == id }
            var record = job.start.record
            record.status = .cancelled
            record.error = "cancelled before it started"
            record.completedAt = Timestamp.now()
            try? await store.save(record, checkpoint: nil, events: [])
            hub.close(id)
            metrics.increment("aragora_debates_finished_total", labels: ["status": "cancelled"])
            return true
        }
        guard let task = running[id] else { return false }
        cancelRequested.insert(id)
        task.cancel()
        return true
    }

    /// Resumes debates a crash or restart left unfinished: from their last checkpoint, from the start
    /// when none was saved, or ends them as `error` when that is impossible (say, a provider is gone).
    public func resumeUnfinished() async throws -> (resumed: Int, failed: Int) {
        var resumed = 0, failed = 0
        for item in try await store.unfinished() where !isActive(item.record.id) {
            let id = item.record.id
            do {
                let engine = try engine(for: item.record)
                let start: DebateCheckpoint
                var prior: [DebateEvent] = []
                if let cp = item.checkpoint {
                    start = cp
                    prior = try await store.events(id: id, since: 0, limit: 1_000_000)
                } else {
                    // No phase completed: start over from the original request.
                    var fresh = item.record
                    fresh.status = .created
                    fresh.startedAt = nil
                    fresh.messages = []; fresh.critiques = []; fresh.votes = []; fresh.roundSummaries = []
                    fresh.failures = []; fresh.roundsUsed = 0; fresh.usage = TokenUsage()
                    start = DebateCheckpoint(record: fresh, active: fresh.agents.map(\.name))
                }
                jobs[id] = Job(engine: engine, start: start)
                queue.append(id)
                hub.open(id, prior: prior)
                resumed += 1
                logger.info("resuming debate", metadata: ["debate_id": "\(id)", "from": "\(item.checkpoint.map { "round \($0.round) \($0.step.rawValue)" } ?? "start")"])
            } catch {
                var record = item.record
                record.status = .error
                record.error = "could not resume after restart: \(error)"
                record.completedAt = Timestamp.now()
                try await store.save(record, checkpoint: nil, events: [])
                failed += 1
                logger.warning("debate could not be resumed", metadata: ["debate_id": "\(id)", "error": "\(error)"])
            }
        }
        pump()
        return (resumed, failed)
    }

    /// Stops taking work and interrupts running debates; their last checkpoints stay for the next start.
    public func shutdown() async {
        shuttingDown = true
        let tasks = Array(running.values)
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
    }
}

/// A snapshot of the runner's load, updated whenever it changes.
public final class RunnerStats: @unchecked Sendable {
    // Safe: guarded by `lock`.
    private let lock = NSLock()
    private var counts = (active: 0, queued: 0)
    func set(active: Int, queued: Int) { lock.withLock { counts = (active, queued) } }
    public var active: Int { lock.withLock { counts.active } }
    public var queued: Int { lock.withLock { counts.queued } }
}
