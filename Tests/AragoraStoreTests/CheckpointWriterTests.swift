import AragoraCore
@testable import AragoraStore
import Synchronization
import Testing

/// `CheckpointWriter`: checkpoints written one at a time, in order, the newest replacing one still waiting, no event
/// lost across a replaced checkpoint or a failed write, nothing written after a lost lease or `finish`.
@Suite struct CheckpointWriterTests {
    /// A save that holds each write until the test releases it, and records what was written.
    final class GatedSave: Sendable {
        let state = Mutex((written: [CheckpointWriter.Item](), gates: [CheckedContinuation<CheckpointWriter.Result, Never>]()))
        func save(_ item: CheckpointWriter.Item) async -> CheckpointWriter.Result {
            await withCheckedContinuation { c in state.withLock { $0.written.append(item); $0.gates.append(c) } }
        }
        /// Waits until `n` writes have started, then answers the oldest waiting one.
        func release(after n: Int, _ result: CheckpointWriter.Result) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while state.withLock({ $0.written.count < n || $0.gates.isEmpty }) {
                guard ContinuousClock.now < deadline else { throw CancellationError() }
                try await Task.sleep(for: .milliseconds(1))
            }
            state.withLock { $0.gates.removeFirst() }.resume(returning: result)
        }
        var rounds: [Int] { state.withLock { $0.written.map { $0.progress?.round ?? 0 } } }
        var seqs: [[Int]] { state.withLock { $0.written.map { $0.events.map(\.seq) } } }
    }

    static let record = DebateStoreConformance.record("deb_cw")

    static func item(round: Int, seqs: ClosedRange<Int>) -> CheckpointWriter.Item {
        .init(record: record, progress: .init(round: round, active: []),
              events: seqs.map { DebateStoreConformance.event("deb_cw", $0) })
    }

    static func untilIdle(_ writer: CheckpointWriter) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !writer.isIdle {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    @Test func aWaitingCheckpointIsReplacedByTheNewerWithBothSetsOfEvents() async throws {
        let save = GatedSave()
        let saved = Mutex([Int]())
        let writer = CheckpointWriter(save: save.save, saved: { item in saved.withLock { $0.append(item.progress!.round) } }, lost: {})
        writer.offer(Self.item(round: 1, seqs: 1...2))
        writer.offer(Self.item(round: 2, seqs: 3...4))  // waits behind round 1
        writer.offer(Self.item(round: 3, seqs: 5...6))  // replaces round 2
        try await save.release(after: 1, .saved)
        try await save.release(after: 2, .saved)
        let left = await writer.finish()
        #expect(save.rounds == [1, 3])
        #expect(save.seqs == [[1, 2], [3, 4, 5, 6]], "round 2's events went with round 3")
        #expect(saved.withLock { $0 } == [1, 3])
        #expect(left.waiting == nil && left.unsaved.isEmpty)
    }

    @Test func aFailedWriteSendsItsEventsWithTheNextAndFinishReturnsWhatWasNotWritten() async throws {
        let save = GatedSave()
        let writer = CheckpointWriter(save: save.save, saved: { _ in }, lost: {})
        writer.offer(Self.item(round: 1, seqs: 1...2))
        try await save.release(after: 1, .failed)
        try await Self.untilIdle(writer)
        // Nothing was waiting: round 1's events wait for the next checkpoint instead of a retry.
        writer.offer(Self.item(round: 2, seqs: 3...3))
        writer.offer(Self.item(round: 3, seqs: 4...4))  // waits behind round 2
        try await save.release(after: 2, .failed)
        try await save.release(after: 3, .saved)
        try await Self.untilIdle(writer)
        #expect(save.seqs == [[1, 2], [1, 2, 3], [1, 2, 3, 4]])
        writer.offer(Self.item(round: 4, seqs: 5...5))
        writer.offer(Self.item(round: 5, seqs: 6...6))  // still waiting when the run ends
        let finished = Task { await writer.finish() }
        try await save.release(after: 4, .saved)
        let left = await finished.value
        #expect(save.rounds == [1, 2, 3, 4], "finish lets the write in progress complete and starts nothing more")
        #expect(left.waiting?.progress?.round == 5)
        #expect(left.unsaved.map(\.seq) == [6])
    }

    @Test func aLostLeaseStopsEveryWriteAfterIt() async throws {
        let save = GatedSave()
        let lost = Mutex(0)
        let writer = CheckpointWriter(save: save.save, saved: { _ in }, lost: { lost.withLock { $0 += 1 } })
        writer.offer(Self.item(round: 1, seqs: 1...1))
        writer.offer(Self.item(round: 2, seqs: 2...2))
        try await save.release(after: 1, .leaseLost)
        writer.offer(Self.item(round: 3, seqs: 3...3))
        let left = await writer.finish()
        #expect(save.rounds == [1], "neither the waiting checkpoint nor a later one is written")
        #expect(lost.withLock { $0 } == 1 && writer.leaseLost)
        #expect(left.waiting == nil)
    }
}
