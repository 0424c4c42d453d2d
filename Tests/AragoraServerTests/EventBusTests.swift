import AragoraDebates
import AragoraCore
import AragoraServer
import AragoraRedis
import AragoraStore
import AragoraTestSupport
import Foundation
import Logging
import Testing

/// What every `EventBus` must do; `LocalEventBus` is the in-process one.
@Suite struct EventBusTests {
    static func event(_ id: String, _ seq: Int) -> DebateEvent {
        DebateEvent(type: .roundStart, data: ["n": .int(seq)], timestamp: 1, round: 1, agent: nil, seq: seq, agentSeq: nil, loopID: id)
    }

    @Test func historyAndLiveEventsMeetWithoutGapOrDuplicate() async {
        let bus: any EventBus = LocalEventBus()
        bus.open("d", prior: [Self.event("d", 1)])
        bus.publish(Self.event("d", 2))
        let sub = await bus.subscribe("d")
        #expect(sub.history?.map(\.seq) == [1, 2])
        bus.publish(Self.event("d", 3))
        bus.publish(Self.event("other", 1))
        bus.close("d")
        var live: [Int] = []
        for await e in sub.events { live.append(e.seq) }
        #expect(live == [3], "only this debate's events, each once, and the stream ends when the debate does")
        #expect(await bus.history("d") == nil)
    }

    /// With a store, committed events leave memory and come back from the store: a late subscriber still gets the
    /// whole log, in order, then the live events.
    @Test func committedEventsAreServedFromTheStore() async throws {
        let store = MemoryDebateStore()
        let engine = DebateEngine(agents: [], config: DebateConfig())
        let record = engine.newRecord(id: "d", question: "Q?")
        let lease = try await store.create(record, owner: "i1", leaseSeconds: 30)
        let bus = LocalEventBus(store: store)
        bus.open("d", prior: [])
        for seq in 1...5 { bus.publish(Self.event("d", seq)) }
        try await store.save(record, progress: nil, events: (1...5).map { Self.event("d", $0) }, lease: lease)
        bus.persisted("d", through: 5)
        for seq in 6...8 { bus.publish(Self.event("d", seq)) }
        #expect(await bus.history("d")?.map(\.seq) == Array(1...8))
        let sub = await bus.subscribe("d")
        #expect(sub.history?.map(\.seq) == Array(1...8))
        bus.publish(Self.event("d", 9))
        bus.close("d")
        var live: [Int] = []
        for await e in sub.events { live.append(e.seq) }
        #expect(live == [9])
        // A resumed debate: its prior events are in the store already.
        bus.open("d", prior: (1...5).map { Self.event("d", $0) })
        bus.publish(Self.event("d", 10))
        #expect(await bus.history("d")?.map(\.seq) == [1, 2, 3, 4, 5, 10])
    }

    @Test func aDebateNotRunningHasNoHistory() async {
        let bus = LocalEventBus()
        let sub = await bus.subscribe("nowhere")
        #expect(sub.history == nil)
        var count = 0
        for await _ in sub.events { count += 1 }
        #expect(count == 0)
    }

    @Test func cancellingASubscriptionEndsItsStream() async {
        let bus = LocalEventBus()
        bus.open("d", prior: [])
        let sub = await bus.subscribe("d")
        sub.cancel()
        bus.publish(Self.event("d", 1))
        var count = 0
        for await _ in sub.events { count += 1 }
        #expect(count == 0)
        #expect(await bus.history("d")?.count == 1, "the log is kept for other subscribers")
    }

    /// At shutdown the shared bus hands on every event its outbox holds before it stops: all of them are in the
    /// debate's Redis log, in order, and none was dropped.
    @Test(.enabled(if: TestServices.available("ARAGORA_TEST_REDIS_URL")))
    func theSharedBusHandsOnItsOutboxAtShutdown() async throws {
        let url = try #require(TestServices.environment["ARAGORA_TEST_REDIS_URL"], "ARAGORA_TEST_REDIS_URL not set")
        let redis = RedisClient(url: try RedisURL(url))
        defer { redis.close() }
        let prefix = "x\(UUID().uuidString):"
        let bus = SharedEventBus(store: MemoryDebateStore(), redis: redis, prefix: prefix, logger: Logger(label: "test"))
        bus.open("d", prior: [])
        for seq in 1...500 { bus.publish(Self.event("d", seq)) }
        await bus.shutdown()
        #expect(bus.droppedPublishes == 0)
        let log = try await redis.send(["LLEN", prefix + "log:d"])
        #expect(log == .integer(500), "\(log)")
        _ = try await redis.send(["DEL", prefix + "log:d"])
    }
}
