import AragoraCore

/// Every item under every configuration, `concurrency` answers at a time, each handed to `record` as soon as it is
/// in. It stops cleanly: at the budget (no answer starts once this run has spent it; those in flight finish, so it
/// overshoots by at most `concurrency - 1` answers) or when its task is cancelled (Ctrl-C: answers in flight are
/// dropped, finished ones kept). Answers a previous run left are skipped, so rerunning resumes.
public struct EvalSession: Sendable {
    public enum Stop: String, Sendable {
        case budget, interrupted
    }

    public struct Progress: Sendable, Equatable {
        /// Answers (an item under one configuration) done, with those resumed, out of those planned.
        public var answered: Int
        public var planned: Int
        public var itemsDone: Int
        public var items: Int
        public var resumed: Int
        /// This run's seconds and spend.
        public var seconds: Double
        public var spentUSD: Double
        /// From this run's pace; nil until its first answer.
        public var secondsLeft: Double?
    }

    public struct Result: Sendable {
        /// The planned answers done, in item order and then configuration order.
        public var outcomes: [EvalOutcome]
        public var stop: Stop?
        public var progress: Progress
    }

    public var items: [EvalItem]
    public var configurations: [EvalConfiguration]
    public var runner: EvalRunner
    public var concurrency: Int
    public var budgetUSD: Double?

    public init(items: [EvalItem], configurations: [EvalConfiguration], runner: EvalRunner, concurrency: Int = 4, budgetUSD: Double? = nil) {
        (self.items, self.configurations, self.runner) = (items, configurations, runner)
        (self.concurrency, self.budgetUSD) = (max(1, concurrency), budgetUSD)
    }

    struct Unit: Sendable {
        var index: Int
        var item: EvalItem
        var configuration: EvalConfiguration
        var names: [String]
    }

    public func run(previous: [EvalOutcome], record: @Sendable ([EvalOutcome]) throws -> Void,
                    progress report: @Sendable (Progress) -> Void = { _ in }) async throws -> Result {
        var units: [Unit] = []
        for item in items {
            for configuration in configurations {
                units.append(Unit(index: units.count, item: item, configuration: configuration, names: runner.outcomeNames(configuration)))
            }
        }
        // The last line for an item and configuration wins (a line a person added again by hand).
        var earlier: [String: EvalOutcome] = [:]
        for o in previous { earlier[o.item + "\n" + o.configuration] = o }
        var done: [[EvalOutcome]?] = units.map { unit in
            let found = unit.names.compactMap { earlier[unit.item.id + "\n" + $0] }
            return found.count == unit.names.count ? found : nil
        }
        let resumed = done.compactMap { $0 }.count
        let todo = units.filter { done[$0.index] == nil }
        let started = ContinuousClock.now
        var spent = 0.0, finished = 0, stop: Stop?

        func progress() -> Progress {
            let answered = resumed + finished
            let seconds = (ContinuousClock.now - started).seconds
            let perItem = Dictionary(grouping: units.indices, by: { units[$0].item.id }).values
            return Progress(answered: answered, planned: units.count, itemsDone: perItem.filter { $0.allSatisfy { done[$0] != nil } }.count,
                            items: items.count, resumed: resumed, seconds: seconds, spentUSD: spent,
                            secondsLeft: finished > 0 ? seconds / Double(finished) * Double(units.count - answered) : nil)
        }

        report(progress())
        try await withThrowingTaskGroup(of: (Int, [EvalOutcome])?.self) { group in
            var next = 0, inFlight = 0
            while true {
                while inFlight < concurrency, next < todo.count, stop == nil {
                    if Task.isCancelled { stop = .interrupted; break }
                    if let budgetUSD, spent >= budgetUSD { stop = .budget; break }
                    let unit = todo[next]
                    next += 1
                    inFlight += 1
                    group.addTask { [runner] in
                        let outcomes = await runner.run(unit.item, unit.configuration)
                        return Task.isCancelled ? nil : (unit.index, outcomes)
                    }
                }
                guard inFlight > 0, let result = try await group.next() else { break }
                inFlight -= 1
                guard let (index, outcomes) = result else { continue }
                try record(outcomes)
                done[index] = outcomes
                finished += 1
                spent += outcomes.map(\.usage.costUSD).reduce(0, +)
                report(progress())
            }
        }
        if stop == nil && resumed + finished < units.count { stop = Task.isCancelled ? .interrupted : .budget }
        return Result(outcomes: done.compactMap { $0 }.flatMap { $0 }, stop: stop, progress: progress())
    }
}
