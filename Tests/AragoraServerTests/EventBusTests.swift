import AragoraCore
import AragoraServer
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
}
