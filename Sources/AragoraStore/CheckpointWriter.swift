import AragoraCore
import Synchronization

/// A running debate's checkpoints, written one at a time and in order while the debate goes on: the engine hands
/// one over after each phase and continues at once. A checkpoint that is still waiting when a newer one arrives is
/// replaced by it (the newer holds everything the older did; their events go together), so a debate faster than
/// the store costs one write per store round trip, not one per phase, and never waits on the writer between
/// phases. A crash loses the phase in progress and, for the time a write takes, the phase before it.
final class CheckpointWriter: Sendable {
    /// A class: every frame that passes one along while it waits for the store holds a reference, not the record.
    final class Item: Sendable {
        let record: DebateRecord
        /// Where to resume; nil for the record shown as running before its first phase (resumes from the start).
        let progress: DebateCheckpoint.Progress?
        let events: [DebateEvent]

        init(record: DebateRecord, progress: DebateCheckpoint.Progress?, events: [DebateEvent]) {
            (self.record, self.progress, self.events) = (record, progress, events)
        }

        /// The same checkpoint with `earlier` events before its own.
        func after(_ earlier: [DebateEvent]) -> Item {
            earlier.isEmpty ? self : Item(record: record, progress: progress, events: earlier + events)
        }
    }

    enum Result: Sendable {
        case saved
        /// The lease no longer holds: nothing more may be written.
        case leaseLost
        /// The storage failed: the events go with the next write.
        case failed
    }

    private struct State {
        var writing = false
        var waiting: Item?
        /// Events of a write that failed, for the next one.
        var carried: [DebateEvent] = []
        var lost = false
        /// Set by `finish`: the write in progress completes, nothing waiting starts.
        var finishing = false
        var idle: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let save: @Sendable (Item) async -> Result
    private let saved: @Sendable (Item) -> Void
    private let lost: @Sendable () -> Void

    /// `save` writes one item; `saved` hears of each that landed; `lost` is told once when the lease is gone.
    init(save: @escaping @Sendable (Item) async -> Result, saved: @escaping @Sendable (Item) -> Void,
         lost: @escaping @Sendable () -> Void) {
        self.save = save
        self.saved = saved
        self.lost = lost
    }

    var leaseLost: Bool { state.withLock { $0.lost } }
    /// No write in progress.
    var isIdle: Bool { state.withLock { !$0.writing } }

    /// Hands a checkpoint over without waiting for it to be written.
    func offer(_ item: Item) {
        let start: Item? = state.withLock { s in
            guard !s.lost, !s.finishing else { return nil }
            let item = item.after(s.carried + (s.waiting?.events ?? []))
            s.carried = []
            if s.writing {
                s.waiting = item
                return nil
            }
            s.writing = true
            return item
        }
        if let start { Task { await self.write(start) } }
    }

    private func write(_ first: Item) async {
        var item = first
        while true {
            let result = await save(item)
            guard let next = written(item, result) else { return }
            item = next
        }
    }

    /// After a write: the next item to write, or nil when the writer is now idle.
    @inline(never) private func written(_ item: Item, _ result: Result) -> Item? {
        switch result {
        case .saved: saved(item)
        case .leaseLost: lost()
        case .failed: break
        }
        return state.withLock { s in
            switch result {
            case .saved: break
            case .leaseLost:
                s.lost = true
                s.waiting = nil
            case .failed:
                if let w = s.waiting { s.waiting = w.after(item.events) } else { s.carried = item.events + s.carried }
            }
            guard !s.finishing, let w = s.waiting else {
                s.writing = false
                for c in s.idle { c.resume() }
                s.idle = []
                return nil
            }
            s.waiting = nil
            return w
        }
    }

    /// Returns once no write is in progress (what was handed over is written, or failed).
    func settled() async { await untilIdle(finishing: false) }

    /// Waits for the write in progress, then returns what was not written: the newest checkpoint still waiting (a
    /// final save supersedes it) and every event not yet saved (carried ones first). Nothing is written after.
    func finish() async -> (waiting: Item?, unsaved: [DebateEvent]) {
        await untilIdle(finishing: true)
        return state.withLock { s in
            defer { s.waiting = nil; s.carried = [] }
            return (s.waiting, s.carried + (s.waiting?.events ?? []))
        }
    }

    private func untilIdle(finishing: Bool) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { s in
                if finishing { s.finishing = true }
                if s.writing { s.idle.append(c) }
                return !s.writing
            }
            if idle { c.resume() }
        }
    }
}
