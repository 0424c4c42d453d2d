@testable import AragoraServer
import Synchronization
import Testing

@Suite struct SharedCheckTests {
    /// Twenty callers, one check: those arriving while it runs get its answer; the next caller runs a new one.
    @Test func callersArrivingWhileACheckRunsShareItsAnswer() async throws {
        let shared = SharedCheck<Int>()
        let calls = Mutex(0)
        let (gate, open) = AsyncStream<Void>.makeStream()
        let check: @Sendable () async -> Int = {
            let n = calls.withLock { $0 += 1; return $0 }
            for await _ in gate { break }
            return n
        }
        async let answers = withTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { await shared.run(check) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // A deadline against a hang only: the callers need no time, just to have arrived.
        let deadline = ContinuousClock.now + .seconds(30)
        while shared.waiting < 20, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        #expect(shared.waiting == 20)
        open.yield()
        #expect(await answers == Array(repeating: 1, count: 20))
        #expect(calls.withLock { $0 } == 1)
        open.yield()
        #expect(await shared.run(check) == 2)
        #expect(shared.waiting == 0)
    }
}
