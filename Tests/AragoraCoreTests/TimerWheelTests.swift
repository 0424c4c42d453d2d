@testable import AragoraCore
import Synchronization
import Testing

@Suite struct TimerWheelTests {
    @Test func sleepsAboutAsLongAsAsked() async throws {
        let start = ContinuousClock.now
        try await TimerWheel.shared.sleep(for: .milliseconds(50))
        let took = ContinuousClock.now - start
        #expect(took >= .milliseconds(50))
        #expect(took < .seconds(30), "a hang, not a slow machine")
    }

    @Test func cancellingASleepEndsItAtOnceWithCancellationError() async {
        let sleeper = Task { try await TimerWheel.shared.sleep(for: .seconds(60)) }
        try? await Task.sleep(for: .milliseconds(20))
        let start = ContinuousClock.now
        sleeper.cancel()
        let result = await sleeper.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(ContinuousClock.now - start < .seconds(30), "ends on cancellation, not after its 60 s")
        // Already cancelled before it sleeps: no wait at all.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await TimerWheel.shared.sleep(for: .seconds(60))
        }
        let earlyResult = await early.result
        #expect(throws: CancellationError.self) { try earlyResult.get() }
    }

    @Test func actionsRunInDeadlineOrderAndCancelledOnesNever() async throws {
        let ran = Mutex<[Int]>([])
        let now = ContinuousClock.now
        let tokens = [30, 10, 20, 40].map { ms in TimerWheel.shared.schedule(at: now + .milliseconds(ms)) { ran.withLock { $0.append(ms) } } }
        #expect(TimerWheel.shared.cancel(tokens[3]), "cancelled before it ran")
        try await Task.sleep(for: .milliseconds(150))
        #expect(ran.withLock { $0 } == [10, 20, 30])
        #expect(!TimerWheel.shared.cancel(tokens[0]), "already ran")
    }

    @Test func manySleepersAllWakeUp() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<2000 { group.addTask { try await TimerWheel.shared.sleep(for: .milliseconds(Int64(i % 50))) } }
            try await group.waitForAll()
        }
    }
}

@Suite struct DemoStreamingTests {
    /// The demo agents' streamed pieces put back together are the reply, cut at word boundaries, about evenly.
    @Test(arguments: [1, 2, 3, 5, 8, 40])
    func piecesConcatenateBackToTheText(_ count: Int) {
        for text in ["", "one", "two words", "Ünïcödé wörds — with  double  spaces and a trailing space ", String(repeating: "word ", count: 37) + "end"] {
            let pieces = DemoAgent.pieces(of: text, count: count)
            #expect(pieces.joined() == text)
            #expect(pieces.count <= max(1, count))
            for piece in pieces.dropLast() { #expect(piece.hasSuffix(" ")) }
        }
        let even = DemoAgent.pieces(of: String(repeating: "w ", count: 15) + "w", count: 4)
        #expect(even.count == 4)
        #expect(even.map { $0.split(separator: " ").count } == [4, 4, 4, 4])
    }
}
