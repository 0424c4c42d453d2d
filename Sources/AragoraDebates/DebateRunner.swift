import AragoraCore
import AragoraStore
import DequeModule
import Foundation
import Logging
import Synchronization

/// Runs accepted debates in the background: at most `maxConcurrentDebates` at once, the rest queued in
/// arrival order. Every debate it holds is leased in the store: it renews the leases, saves a fenced checkpoint
/// after every phase (written while the next runs: a crash loses the phase in progress and at most the one
/// being written), stops a debate whose lease was lost or whose
/// cancellation was requested from any instance, and takes over debates whose owner died.
public actor DebateRunner {
    let store: any DebateStore
    let bus: any EventBus
    let factory: AgentFactory
    let signer: ReceiptSigner
    let config: ServerConfiguration
    let metrics: ServiceMetrics
    let logger: Logger

    struct Job {
        var engine: DebateEngine
        var start: DebateCheckpoint
        var lease: DebateLease
    }

    /// How a debate ended here: its record and ELO changes (empty unless completed).
    public struct Completion: Sendable {
        public var record: DebateRecord
        public var eloChanges: [EloRating.Change]
    }

    private var queue = Deque<String>()
    private var jobs: [String: Job] = [:]
    private var running: [String: (task: Task<Void, Never>, lease: DebateLease)] = [:]
    /// Debates whose run ended and whose final record is being saved: no longer holding a slot, still active. With
    /// the task that runs them, which ends once the record is written: shutdown waits for it.
    private var finishing: [String: Task<Void, Never>] = [:]
    private var cancelRequested: Set<String> = []
    private var lost: Set<String> = []
    /// Each held debate's gate for live events (see `LeaseGate`).
    private var gates: [String: LeaseGate] = [:]
    private var waiters: [String: [CheckedContinuation<Completion?, Never>]] = [:]
    private var shuttingDown = false
    private var maintenance: Task<Void, Never>?

    init(store: any DebateStore, bus: any EventBus, factory: AgentFactory, signer: ReceiptSigner, config: ServerConfiguration,
         metrics: ServiceMetrics, logger: Logger) {
        self.store = store
        self.bus = bus
        self.factory = factory
        self.signer = signer
        self.config = config
        self.metrics = metrics
        self.logger = logger
    }

    /// Active and queued counts readable without waiting on the actor (health checks, admission, metrics).
    public nonisolated let stats = RunnerStats()

    public func isActive(_ id: String) -> Bool { running[id] != nil || jobs[id] != nil || finishing[id] != nil }

    // MARK: - Engines

    /// The engine for a new debate: agents from the factory, limits from the configuration.
    nonisolated func engine(for input: DebateInput) throws(AgentFactoryError) -> DebateEngine {
        let agents = try factory.make(input.specs)
        var judge: (any Agent)?
        if var spec = input.judge {
            spec.role = "judge"
            // The judge's name must not clash with a panelist's: made as the second of two identical specs if so.
            let made = try factory.make([spec])[0]
            judge = agents.contains { $0.identity.name == made.identity.name } ? try factory.make([spec, spec])[1] : made
        }
        let seed = input.seed ?? UInt64.random(in: 1...UInt64(Int32.max))
        return DebateEngine(agents: agents, judge: judge,
                            config: debateConfig(rounds: input.rounds, consensus: input.consensus, seed: seed,
                                                 callTimeout: input.callTimeout, earlyStop: input.earlyStop, budget: input.budgetLimitUSD,
                                                 blind: input.blind, quorum: input.quorum),
                            signer: signer)
    }

    /// The engine for a stored debate (resumed after a restart or taken over from another instance).
    nonisolated func engine(for record: DebateRecord) throws(AgentFactoryError) -> DebateEngine {
        var agents: [any Agent] = []
        for identity in record.agents { agents.append(try factory.make(identity: identity)) }
        var judge: (any Agent)?
        if let j = record.judge, !record.agents.contains(j) { judge = try factory.make(identity: j) }
        return DebateEngine(agents: agents, judge: judge,
                            config: debateConfig(rounds: record.rounds, consensus: record.consensusMethod, seed: record.seed,
                                                 budget: storedBudget(record)),
                            signer: signer)
    }

    /// The budget kept in a stored record, checked as a request's is: a value that is not a finite, non-negative
    /// number (a record written by an older version, or edited) is ignored rather than applied.
    public nonisolated func storedBudget(_ record: DebateRecord) -> Double? {
        guard let value = record.metadata["budget_limit_usd"], value != .null else { return nil }
        guard let budget = value.doubleValue, budget.isFinite, budget >= 0 else {
            logger.warning("ignoring an invalid stored budget", metadata: ["debate_id": "\(record.id)", "budget_limit_usd": "\(value)"])
            return nil
        }
        return budget
    }

    /// The one place a `DebateConfig` is built from the configuration.
    /// The budget is the request's `budget_limit_usd`, capped by `ARAGORA_MAX_DEBATE_COST_USD`.
    nonisolated func debateConfig(rounds: Int, consensus: ConsensusMethod, seed: UInt64, callTimeout: Duration? = nil,
                                  earlyStop: Bool = true, budget: Double? = nil, blind: Bool = true, quorum: Int? = nil) -> DebateConfig {
        let caps = [budget, config.maxDebateCostUSD].compactMap { $0 }
        return DebateConfig(rounds: rounds, consensus: consensus, seed: seed,
                            callTimeout: callTimeout ?? .milliseconds(Int(config.callTimeout * 1000)), earlyStop: earlyStop,
                            debateTimeout: .milliseconds(Int(config.debateTimeout * 1000)), budgetUSD: caps.min(), blind: blind, quorum: quorum)
    }

    // MARK: - Accepting and running

    /// Accepts a stored, `created` debate this instance holds the lease of.
    /// `createdAt`: when the create that gave the lease started.
    public func submit(_ record: DebateRecord, engine: DebateEngine, lease: DebateLease, createdAt: ContinuousClock.Instant = .now) {
        enqueue(Job(engine: engine, start: DebateCheckpoint(starting: record), lease: lease), prior: [], claimedAt: createdAt)
    }

    /// `claimedAt`: when the create or claim that gave this lease started (the lease runs from then).
    private func enqueue(_ job: Job, prior: [DebateEvent], claimedAt: ContinuousClock.Instant) {
        let id = job.lease.debateID
        var job = job
        job.start.record.instanceID = config.instanceID
        jobs[id] = job
        queue.append(id)
        let bus = bus
        let fence = job.lease.fence
        gates[id] = LeaseGate(validUntil: claimedAt + .milliseconds(Int(config.leaseSeconds * 1000)),
                              publish: { bus.publish($0, fence: fence) })
        bus.open(id, prior: prior)
        startMaintenance()
        pump()
    }

    private func pump() {
        while !shuttingDown, running.count < config.maxConcurrentDebates, let id = queue.popFirst() {
            guard let job = jobs.removeValue(forKey: id) else { continue }
            running[id] = (Task { await self.execute(id, job) }, job.lease)
        }
        publishStats()
    }

    private func publishStats() {
        stats.set(active: running.count, queued: jobs.count)
        metrics.setGauge("aragora_debates_active", Double(running.count))
        metrics.setGauge("aragora_debates_queued", Double(jobs.count))
    }

    /// Checkpoints are written behind their debates (the next phase starts at once) while at most this many debates
    /// run: that keeps the single writer's batches full when few fast debates run. With more, the batches are full
    /// anyway, and a debate waiting for its write does not carry the checkpoint into its next phase (memory per
    /// debate in flight; docs/benchmarks.md). The writer's largest transaction.
    static let writesBehindUpTo = 256

    private func execute(_ id: String, _ job: Job) async {
        let start = job.start
        let logger = self.logger
        let bus = self.bus
        let gate = gates[id]
        let persisted = PersistedDebate(store: store, lease: job.lease) { id, error in
            logger.error("checkpoint failed", metadata: ["debate_id": "\(id)", "error": "\(error)"])
        }
        let stats = self.stats
        let outcome = await persisted.run(job.engine, from: start, publish: { event in gate?.send(event) },
                                          persisted: { bus.persisted(id, through: $0) }, leaseLost: { [weak self] in
            gate?.lose()
            Task { await self?.stopRunning(id) }
        }, behind: { stats.active <= Self.writesBehindUpTo })
        await finished(id, outcome, persisted: persisted)
    }

    /// The slot is free at once for the next debate; the debate stays active (`isActive`) until its final record
    /// is saved, so whoever awaits its completion reads the finished record.
    /// Every finishing debate holds this frame while its final record is written, so it only awaits: the steps before
    /// and after are synchronous, and the final save runs in a task of its own (a cancelled debate's task is itself
    /// cancelled, and the write must still happen).
    private func finished(_ id: String, _ outcome: PersistedDebate.Outcome, persisted: PersistedDebate) async {
        switch closing(id, outcome, persisted: persisted) {
        case .lost:
            end(id, nil)
        case .shutdown(let checkpointed):
            await checkpointed.value
            end(id, nil, checkpointed: true)
        case .save(let save):
            let saved = await save.result
            end(id, settle(id, outcome, saved))
        }
    }

    enum Closing {
        /// The lease was lost: nothing more is written.
        case lost
        /// Interrupted by shutdown: the last checkpoint written and the lease given up, for a resume.
        case shutdown(Task<Void, Never>)
        /// The final record being saved (with the ELO update).
        case save(Task<[EloRating.Change], any Error>)
    }

    @inline(never) private func closing(_ id: String, _ outcome: PersistedDebate.Outcome, persisted: PersistedDebate) -> Closing {
        finishing[id] = running.removeValue(forKey: id)?.task
        pump()
        let record = outcome.record
        let wasLost = outcome.leaseLost || lost.remove(id) != nil
        let interruptedByShutdown = shuttingDown && record.status == .cancelled && !cancelRequested.contains(id)
        cancelRequested.remove(id)
        if wasLost {
            logger.warning("debate stopped here: its lease was lost (taken over elsewhere or deleted)", metadata: ["debate_id": "\(id)"])
            return .lost
        }
        if interruptedByShutdown {
            // Keep the last checkpoint (status running) and give the lease up: the next start, or another instance, resumes it.
            // From a fresh task: this one is cancelled, and the newest checkpoint may still be unwritten.
            let (store, unwritten) = (store, outcome.unwritten)
            return .shutdown(Task {
                if let unwritten {
                    try? await store.save(unwritten.checkpoint.record, progress: unwritten.checkpoint.progress,
                                          events: unwritten.events, lease: persisted.lease)
                }
                try? await store.release(persisted.lease)
            })
        }
        // The task captures the runner (its logger), so it starts on the runner as it always did: a save task that
        // did not left a draining backlog at 1.44 cores instead of 1.6, at the same CPU a debate (docs/benchmarks.md).
        return .save(Task { try await Self.finish(persisted, outcome.record, unsaved: outcome.unsaved, logger: self.logger) })
    }

    /// What the final save gave: the completion to hand to whoever waits, counted and logged.
    @inline(never) private func settle(_ id: String, _ outcome: PersistedDebate.Outcome, _ saved: Result<[EloRating.Change], any Error>) -> Completion? {
        let record = outcome.record
        var completion: Completion?
        switch saved {
        case .success(let changes):
            completion = Completion(record: record, eloChanges: changes)
        case .failure(StoreError.leaseLost):
            logger.info("debate ended after it was deleted or taken over: nothing more saved", metadata: ["debate_id": "\(id)"])
        case .failure(let error):
            completion = Completion(record: record, eloChanges: [])
            logger.error("saving the finished debate failed", metadata: ["debate_id": "\(id)", "error": "\(error)"])
        }
        metrics.increment("aragora_debates_finished_total", labels: [("status", record.status.rawValue)])
        stats.finishedOne()
        logger.info("debate finished", metadata: [
            "debate_id": "\(id)", "status": "\(record.status.rawValue)", "rounds_used": "\(record.roundsUsed)",
            "duration_s": "\(record.durationSeconds ?? 0)",
        ])
        return completion
    }

    @inline(never) private func end(_ id: String, _ completion: Completion?, checkpointed: Bool = false) {
        if checkpointed { logger.info("debate checkpointed for shutdown", metadata: ["debate_id": "\(id)"]) }
        finishing[id] = nil
        gates[id] = nil
        bus.close(id)
        resumeWaiters(id, completion)
    }

    /// Saves a finished debate, retrying while the storage fails (full disk, database away) with backoff up to about
    /// a minute: a finished debate must not stay `running`. If the storage is still failing then, its lease runs
    /// out and it is resumed from its last checkpoint, here or elsewhere, once writes work again.
    static func finish(_ persisted: PersistedDebate, _ record: DebateRecord, unsaved: [DebateEvent],
                       logger: Logger) async throws -> [EloRating.Change] {
        var delay = Duration.milliseconds(500)
        var attempt = 1
        while true {
            do { return try await persisted.finish(record, unsaved: unsaved) } catch let error as StoreError where error.isStorage && error != .closed && attempt < 8 {
                logger.warning("saving the finished debate failed; retrying", metadata: [
                    "debate_id": "\(record.id)", "attempt": "\(attempt)", "retry_in_s": "\(delay.seconds)", "error": "\(error)",
                ])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(16))
                attempt += 1
            }
        }
    }

    /// Waits until a debate held here ends; nil when it is not held here or ended without a result here.
    public func completion(of id: String) async -> Completion? {
        guard isActive(id) else { return nil }
        return await withCheckedContinuation { waiters[id, default: []].append($0) }
    }

    private func resumeWaiters(_ id: String, _ completion: Completion?) {
        for w in waiters.removeValue(forKey: id) ?? [] { w.resume(returning: completion) }
    }

    // MARK: - Cancelling

    /// Cancels a debate queued or running here. Returns false when it is not held here.
    public func cancel(_ id: String) async -> Bool {
        if let job = jobs.removeValue(forKey: id) {
            queue.removeAll { $0 == id }
            publishStats()
            var record = job.start.record
            record.status = .cancelled
            record.error = "cancelled before it started"
            record.completedAt = Timestamp.now()
            try? await store.save(record, progress: nil, events: [], lease: job.lease)
            bus.close(id)
            metrics.increment("aragora_debates_finished_total", labels: [("status", "cancelled")])
            resumeWaiters(id, Completion(record: record, eloChanges: []))
            return true
        }
        guard let entry = running[id] else { return false }
        cancelRequested.insert(id)
        entry.task.cancel()
        return true
    }

    /// A checkpoint found the lease gone: the debate stops now rather than at the end of its phase.
    private func stopRunning(_ id: String) {
        running[id]?.task.cancel()
    }

    /// Stops a debate whose lease is gone without writing anything more for it.
    private func drop(_ id: String) {
        gates[id]?.lose()
        if jobs.removeValue(forKey: id) != nil {
            gates[id] = nil
            queue.removeAll { $0 == id }
            bus.close(id)
            resumeWaiters(id, nil)
            publishStats()
        } else if let entry = running[id] {
            lost.insert(id)
            entry.task.cancel()
        }
    }

    // MARK: - Leases

    /// Renews the leases of every debate held here, acts on lost leases and cancel requests, and (when
    /// `takeOver` is on, in the service) claims debates whose owner died. Runs while debates are held.
    /// Leases are renewed every third of their lifetime; orphaned debates are looked for every second at least,
    /// so a dead instance's debates resume within a second of its leases expiring.
    private func startMaintenance() {
        guard maintenance == nil else { return }
        let renewEvery = Duration.milliseconds(Int(config.leaseSeconds * 1000 / 3))
        let tick = min(renewEvery, .seconds(1))
        maintenance = Task { [weak self] in
            var lastRenewal = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                guard let self, !Task.isCancelled else { return }
                let renew = ContinuousClock.now - lastRenewal >= renewEvery - .milliseconds(50)
                if renew { lastRenewal = .now }
                await self.maintain(renew: renew)
            }
        }
    }

    private var takesOver = false

    func maintain(renew: Bool = true) async {
        let held = Array(jobs.values.map(\.lease)) + running.values.map(\.lease)
        if renew, !held.isEmpty {
            do {
                let started = ContinuousClock.now
                let renewal = try await store.renewLeases(owner: config.instanceID, held: held, leaseSeconds: config.leaseSeconds,
                                                          now: Timestamp.now())
                for id in renewal.lost { drop(id) }
                for lease in held where !renewal.lost.contains(lease.debateID) {
                    gates[lease.debateID]?.renewed(startedAt: started, leaseSeconds: config.leaseSeconds)
                }
                for id in renewal.cancelRequested where !renewal.lost.contains(id) { _ = await cancel(id) }
            } catch {
                logger.warning("lease renewal failed", metadata: ["error": "\(error)"])
            }
        }
        if takesOver, !shuttingDown { _ = try? await takeOverUnfinished(reclaimOwn: false) }
    }

    /// Resumes debates left unfinished by a crash or restart, this instance's own or those of an instance
    /// whose lease expired: from their last checkpoint, from the start when none was saved, or ends them as
    /// `error` when that is impossible (a provider is gone). From then on keeps looking for such debates.
    public func resumeUnfinished() async throws -> (resumed: Int, failed: Int) {
        takesOver = true
        startMaintenance()
        return try await takeOverUnfinished(reclaimOwn: true)
    }

    /// `reclaimOwn`: at startup, debates still leased to this instance's id belong to its previous run, which is
    /// gone; later, they are the ones running here.
    private func takeOverUnfinished(reclaimOwn: Bool) async throws -> (resumed: Int, failed: Int) {
        var resumed = 0, failed = 0
        let now = Timestamp.now()
        let candidates = try await store.claimable(reclaiming: reclaimOwn ? config.instanceID : nil, now: now, limit: 500)
        for item in candidates where !isActive(item.record.id) {
            let id = item.record.id
            let claimedAt = ContinuousClock.now
            guard let lease = try await store.claim(id: id, owner: config.instanceID, leaseSeconds: config.leaseSeconds, now: now) else {
                continue  // another instance was quicker
            }
            do {
                let engine = try engine(for: item.record)
                var start = DebateCheckpoint(starting: Self.fresh(item.record))
                var prior: [DebateEvent] = []
                if let cp = item.checkpoint {
                    start = cp
                    prior = try await store.events(id: id, since: 0, limit: 1_000_000)
                }
                enqueue(Job(engine: engine, start: start, lease: lease), prior: prior, claimedAt: claimedAt)
                bus.resumed(id, from: prior.last?.seq ?? 0, fence: lease.fence)
                if item.cancelRequested { _ = await cancel(id) }
                resumed += 1
                logger.info("resuming debate", metadata: [
                    "debate_id": "\(id)", "from": "\(item.checkpoint.map { "round \($0.round) \($0.step.rawValue)" } ?? "start")",
                ])
            } catch {
                var record = item.record
                record.status = .error
                record.error = "could not resume after restart: \(error)"
                record.completedAt = Timestamp.now()
                try await store.save(record, progress: nil, events: [], lease: lease)
                failed += 1
                logger.warning("debate could not be resumed", metadata: ["debate_id": "\(id)", "error": "\(error)"])
            }
        }
        return (resumed, failed)
    }

    /// A debate with no completed phase starts over from the original request.
    static func fresh(_ record: DebateRecord) -> DebateRecord {
        var r = record
        r.status = .created
        r.startedAt = nil
        r.messages = []; r.critiques = []; r.votes = []; r.roundSummaries = []
        r.failures = []; r.roundsUsed = 0; r.usage = TokenUsage(); r.agentUsage = [:]
        return r
    }

    /// Stops taking work, interrupts running debates (their last checkpoints stay) and gives every lease up,
    /// so the next start or another instance resumes them at once.
    public func shutdown() async {
        shuttingDown = true
        maintenance?.cancel()
        let tasks = running.values.map(\.task)
        for t in tasks { t.cancel() }
        // Debates writing their final record are left to finish (the store closes after this): they ended, and
        // followers have seen them end.
        for t in tasks + finishing.values { await t.value }
        for job in jobs.values { try? await store.release(job.lease) }
    }
}

/// A snapshot of the runner's load, updated whenever it changes.
public final class RunnerStats: Sendable {
    private let counts = Mutex((active: 0, queued: 0))
    private let finishedCount = Mutex(0)
    func set(active: Int, queued: Int) { counts.withLock { $0 = (active, queued) } }
    func finishedOne() { finishedCount.withLock { $0 += 1 } }
    /// Debates finished here (their ratings recorded): what changes the agents' ratings, for caches of them.
    public var finished: Int { finishedCount.withLock { $0 } }
    public var active: Int { counts.withLock { $0.active } }
    public var queued: Int { counts.withLock { $0.queued } }
}
