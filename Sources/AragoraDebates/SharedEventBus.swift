import AragoraCore
import AragoraRedis
import AragoraStore
import Foundation
import Logging
import Synchronization

/// The event bus of a service that shares its store with other instances. Debates running here go through the
/// in-process `LocalEventBus`, and each event is also published on Redis (`<prefix>ev:<debate id>`), in order.
/// A subscriber here to a debate running on another instance follows it: history from the store, then every
/// later event exactly once and in `seq` order, from Redis as it happens, with gaps (a missed message, a Redis
/// reconnect, no Redis at all) filled from the store, which it polls while the debate is unfinished.
public final class SharedEventBus: EventBus {
    private let local: LocalEventBus
    private let store: any DebateStore
    private let logger: Logger
    private let prefix: String
    private let pollInterval: Duration
    private let outbox: AsyncStream<FencedEvent>.Continuation?
    /// The one task that publishes the outbox, in order; finished and awaited at shutdown.
    private let publisher: Task<Void, Never>?
    private let dropped = Mutex(0)
    private let subscriber: RedisSubscriber?
    private let redis: RedisClient?
    private let followers = Mutex<[String: [UUID: RemoteFollower]]>([:])
    private let cancelHandler = Mutex<(@Sendable (String) async -> Void)?>(nil)
    private var cancelChannel: String { prefix + "cancel" }

    public init(local: LocalEventBus? = nil, store: any DebateStore, redis: RedisClient?, prefix: String = "aragora:",
                pollInterval: Duration = .seconds(1), logger: Logger) {
        self.local = local ?? LocalEventBus(store: store)
        self.store = store
        self.logger = logger
        self.prefix = prefix
        self.pollInterval = pollInterval
        self.redis = redis
        guard let redis else {
            outbox = nil
            publisher = nil
            subscriber = nil
            return
        }
        // One publisher task keeps events in order. A lost publish is repaired by the followers' store polling.
        let (stream, continuation) = AsyncStream<FencedEvent>.makeStream(bufferingPolicy: .bufferingNewest(100_000))
        outbox = continuation
        let channelPrefix = prefix + "ev:"
        let logPrefix = prefix + "log:"
        publisher = Task {
            for await item in stream {
                _ = try? await redis.eval(Self.append, keys: [logPrefix + item.event.loopID, channelPrefix + item.event.loopID],
                                          arguments: [item.payload()])
            }
        }
        let box = WeakBox()
        let cancelChannel = prefix + "cancel"
        subscriber = RedisSubscriber(url: redis.url, onMessage: { channel, payload in
            if channel == cancelChannel {
                box.bus?.cancelAnnounced(String(decoding: payload, as: UTF8.self))
                return
            }
            guard channel.hasPrefix(channelPrefix), let item = FencedEvent.decode(String(decoding: payload, as: UTF8.self)) else { return }
            box.bus?.deliver(item, to: String(channel.dropFirst(channelPrefix.count)))
        }, onReconnect: { box.bus?.pollAll() })
        box.bus = self
        subscriber?.start()
        Task { [subscriber] in try? await subscriber?.subscribe(cancelChannel) }
    }

    /// Appends an event to the debate's log in Redis and publishes it, atomically: a follower that subscribes
    /// and then reads the log misses nothing (the store lags the live events by up to a phase). The log expires
    /// an hour after the debate's last event.
    static let append = RedisScript("""
        redis.call('RPUSH', KEYS[1], ARGV[1])
        redis.call('EXPIRE', KEYS[1], 3600)
        return redis.call('PUBLISH', KEYS[2], ARGV[1])
        """)

    public func open(_ id: String, prior: [DebateEvent]) { local.open(id, prior: prior) }

    public func publish(_ event: DebateEvent, fence: Int) {
        local.publish(event, fence: fence)
        send(FencedEvent(event: event, fence: fence))
    }

    /// Into the outbox; one that is full drops the oldest (followers repair the gap from the store), and counts it.
    private func send(_ item: FencedEvent) {
        if case .dropped = outbox?.yield(item) { dropped.withLock { $0 += 1 } }
    }

    public var droppedPublishes: Int { dropped.withLock { $0 } }

    /// Hands on what the outbox holds (10 s at most: Redis may be down), then stops the publisher and the subscriber.
    public func shutdown() async {
        outbox?.finish()
        if let publisher {
            _ = try? await withDeadline(.seconds(10), timeout: { CancellationError() }) { await publisher.value }
            publisher.cancel()
        }
        subscriber?.stop()
    }

    public func close(_ id: String) { local.close(id) }

    /// Tells other instances' followers that a debate taken over here goes on from `seq` (Redis only: a local
    /// subscriber starts from the store's history, which ends there).
    public func resumed(_ id: String, from seq: Int, fence: Int) {
        send(FencedEvent(event: .resumed(id, from: seq), fence: fence))
    }

    public func persisted(_ id: String, through seq: Int) { local.persisted(id, through: seq) }

    public func history(_ id: String) async -> [DebateEvent]? { await local.history(id) }

    public func announceCancel(_ id: String) {
        guard let redis else { return }
        let channel = cancelChannel
        Task { _ = try? await redis.send(["PUBLISH", channel, id]) }
    }

    public func onCancelAnnounced(_ handler: @escaping @Sendable (String) async -> Void) {
        cancelHandler.withLock { $0 = handler }
    }

    private func cancelAnnounced(_ id: String) {
        guard let handler = cancelHandler.withLock({ $0 }) else { return }
        Task { await handler(id) }
    }

    public func subscribe(_ id: String) async -> EventSubscription {
        let here = await local.subscribe(id)
        if here.history != nil { return continuing(here, id) }
        guard let record = try? await store.record(id: id), !record.status.isTerminal,
              let history = try? await store.events(id: id, since: 0, limit: 1_000_000) else { return here }
        return await follow(id, history: history)
    }

    // MARK: - A debate that stops running here

    /// A subscription to a debate running here. When the local stream ends without a `debate_end` (the lease was
    /// lost to another instance, or this one is shutting down and another will resume it), the subscriber goes on
    /// following the debate wherever it runs now. What it was shown is checked against the store: from the first
    /// event that differs from the stored one (or that the store does not hold), a `debate_resumed` tells the
    /// client to drop it, and the stored events follow. So a follower ends with exactly the stored log.
    private func continuing(_ here: EventSubscription, _ id: String) -> EventSubscription {
        let (stream, continuation) = AsyncStream<DebateEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let task = Task { [weak self] in
            var shown: [Int: Int] = [:]  // seq -> hash of what was sent
            for e in here.history ?? [] { shown[e.seq] = e.serialized().hashValue }
            var ended = false
            for await e in here.events {
                shown[e.seq] = e.serialized().hashValue
                ended = ended || e.type == .debateEnd
                continuation.yield(e)
            }
            guard !ended, !Task.isCancelled, let self else { return continuation.finish() }
            let stored = (try? await self.store.events(id: id, since: 0, limit: 1_000_000)) ?? []
            let last = shown.keys.max() ?? 0
            var divergence = last + 1
            for e in stored where shown[e.seq] != e.serialized().hashValue {
                divergence = min(divergence, e.seq)
                break
            }
            if last > (stored.last?.seq ?? 0) { divergence = min(divergence, (stored.last?.seq ?? 0) + 1) }
            if divergence <= last {
                continuation.yield(.resumed(id, from: divergence - 1))
            }
            let from = min(divergence - 1, last)
            var delivered = from
            for e in stored where e.seq > from {
                continuation.yield(e)
                delivered = e.seq
                if e.type == .debateEnd { return continuation.finish() }
            }
            let record = try? await self.store.record(id: id)
            if record?.status.isTerminal == true {
                // Finished meanwhile: whatever the store gained since the read above.
                for e in (try? await self.store.events(id: id, since: delivered, limit: 1_000_000)) ?? [] { continuation.yield(e) }
                return continuation.finish()
            }
            let remote = await self.follow(id, history: Array(stored.filter { $0.seq <= delivered }))
            for await e in remote.events where e.seq > delivered { continuation.yield(e) }
            continuation.finish()
        }
        continuation.onTermination = { _ in
            task.cancel()
            here.cancel()
        }
        return EventSubscription(history: here.history, events: stream, cancel: {
            task.cancel()
            here.cancel()
        })
    }

    // MARK: - Following a debate that runs elsewhere

    private func follow(_ id: String, history: [DebateEvent]) async -> EventSubscription {
        let (stream, continuation) = AsyncStream<DebateEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let follower = RemoteFollower(id, last: history.last?.seq ?? 0, continuation: continuation)
        let token = UUID()
        let first = followers.withLock { f -> Bool in
            let first = f[id]?.isEmpty ?? true
            f[id, default: [:]][token] = follower
            return first
        }
        if first { try? await subscriber?.subscribe(prefix + "ev:" + id) }
        // Subscribed first, then the log: together they hold every event from the first on.
        let readLog = logReader(id)
        await readLog(follower)
        let (store, interval) = (store, pollInterval)
        let poller = Task {
            while !Task.isCancelled, !follower.finished {
                try? await Task.sleep(for: interval)
                if follower.hasGap { await readLog(follower) }
                await Self.poll(id, follower, store)
            }
        }
        let cancel: @Sendable () -> Void = { [weak self] in
            poller.cancel()
            follower.finish()
            self?.unfollow(id, token)
        }
        continuation.onTermination = { _ in cancel() }
        return EventSubscription(history: history, events: stream, cancel: cancel)
    }

    /// Fills a follower from the debate's Redis log (nothing without Redis).
    private func logReader(_ id: String) -> @Sendable (RemoteFollower) async -> Void {
        guard let redis else { return { _ in } }
        let key = prefix + "log:" + id
        return { follower in
            guard let items = try? await redis.send(["LRANGE", key, "0", "-1"]).array else { return }
            for item in items.compactMap({ $0.string.flatMap(FencedEvent.decode) }) { follower.receive(item) }
        }
    }

    private func unfollow(_ id: String, _ token: UUID) {
        let last = followers.withLock { f -> Bool in
            f[id]?.removeValue(forKey: token)
            guard f[id]?.isEmpty == true else { return false }
            f[id] = nil
            return true
        }
        if last, let subscriber { Task { try? await subscriber.unsubscribe(prefix + "ev:" + id) } }
    }

    private func deliver(_ item: FencedEvent, to id: String) {
        for follower in followers.withLock({ $0[id].map { Array($0.values) } ?? [] }) { follower.receive(item) }
    }

    /// After a Redis reconnect messages may have been missed: every follower reads the store now.
    private func pollAll() {
        let all = followers.withLock { f in f.flatMap { id, fs in fs.values.map { (id, $0) } } }
        let store = store
        for (id, follower) in all {
            let readLog = logReader(id)
            Task {
                await readLog(follower)
                await Self.poll(id, follower, store)
            }
        }
    }

    /// Fills the follower from the store; ends it when the debate has finished and every event was delivered.
    private static func poll(_ id: String, _ follower: RemoteFollower, _ store: any DebateStore) async {
        guard let events = try? await store.events(id: id, since: follower.lastSeq, limit: 10_000) else { return }
        follower.fill(events)
        if events.isEmpty, let record = try? await store.record(id: id), record.status.isTerminal {
            // Read again: the final save may have landed between the two reads.
            if let rest = try? await store.events(id: id, since: follower.lastSeq, limit: 10_000) { follower.fill(rest) }
            follower.finish()
        }
    }
}

/// Lets the Redis subscriber's callbacks reach the bus without keeping it alive.
private final class WeakBox: Sendable {
    private struct Ref {
        weak var bus: SharedEventBus?
    }
    private let ref = Mutex(Ref())

    var bus: SharedEventBus? {
        get { ref.withLock { $0.bus } }
        set { ref.withLock { $0.bus = newValue } }
    }
}

/// An event as it travels between instances: with the lease fence of the owner that emitted it.
struct FencedEvent: Sendable {
    var event: DebateEvent
    var fence: Int

    /// `{"fence": F, "event": {...}}`.
    func payload() -> String { "{\"fence\":\(fence),\"event\":\(event.serialized())}" }

    /// Reads a payload; a bare event (an older version's) counts as fence 0.
    static func decode(_ text: String) -> FencedEvent? {
        if let wrapper = JSONValue.parse(text), let fence = wrapper["fence"]?.intValue, let inner = wrapper["event"],
           let event = DebateEvent.decode(inner.serialized()) {
            return FencedEvent(event: event, fence: fence)
        }
        return DebateEvent.decode(text).map { FencedEvent(event: $0, fence: 0) }
    }
}

extension DebateEvent {
    /// The notice that a debate goes on from `seq` after a takeover (live only, never stored).
    static func resumed(_ id: String, from seq: Int) -> DebateEvent {
        DebateEvent(type: .debateResumed, data: DebateResumedEvent(fromSeq: seq, debateID: id).json, timestamp: Timestamp.now(),
                    round: nil, agent: nil, seq: seq, agentSeq: nil, loopID: id)
    }
}

/// One subscriber's position in a remote debate: delivers each `seq` once, in order; holds early arrivals
/// until the gap before them is filled. Events of an owner older than one already seen (by lease fence) are
/// dropped. When a newer owner resumes from a checkpoint before what was delivered (its `debate_resumed`, or an
/// event for a delivered seq with other content), the follower says `debate_resumed` and goes on from there.
final class RemoteFollower: Sendable {
    private struct State {
        var last: Int
        var early: [Int: DebateEvent] = [:]
        var finished = false
        var fence = 0
        /// What was delivered, by seq: a hash of the event.
        var shown: [Int: Int] = [:]
    }
    private let state: Mutex<State>
    private let continuation: AsyncStream<DebateEvent>.Continuation
    private let debateID: String

    init(_ debateID: String, last: Int, continuation: AsyncStream<DebateEvent>.Continuation) {
        self.debateID = debateID
        state = Mutex(State(last: last))
        self.continuation = continuation
    }

    var lastSeq: Int { state.withLock { $0.last } }
    /// Later events are waiting for earlier ones.
    var hasGap: Bool { state.withLock { !$0.early.isEmpty } }
    var finished: Bool { state.withLock { $0.finished } }

    /// An event from another instance (Redis, or its log there).
    func receive(_ item: FencedEvent) {
        let e = item.event
        let (accepted, rewind): (Bool, Int?) = state.withLock { s in
            guard !s.finished, item.fence >= s.fence else { return (false, nil) }  // a former owner's late event
            if item.fence > s.fence {
                s.fence = item.fence
                s.early = [:]  // held events of an older owner: the store has the true ones
            }
            var from: Int?
            if e.type == .debateResumed { from = e.seq } else if e.seq <= s.last, let seen = s.shown[e.seq],
                                                                 seen != e.serialized().hashValue { from = e.seq - 1 }
            guard let from, from < s.last else { return (e.type != .debateResumed, nil) }
            s.last = from
            s.early = [:]
            s.shown = s.shown.filter { $0.key <= from }
            return (e.type != .debateResumed, from)
        }
        if let rewind { continuation.yield(DebateEvent.resumed(debateID, from: rewind)) }
        if accepted { fill([e]) }
    }

    /// Takes events in any order: delivers those that continue the sequence, keeps later ones for later.
    func fill(_ events: [DebateEvent]) {
        let (ready, ended): ([DebateEvent], Bool) = state.withLock { s in
            guard !s.finished else { return ([], false) }
            for e in events where e.seq > s.last && s.early.count < 100_000 { s.early[e.seq] = e }
            var ready: [DebateEvent] = []
            while let next = s.early.removeValue(forKey: s.last + 1) {
                ready.append(next)
                s.last = next.seq
                s.shown[next.seq] = next.serialized().hashValue
            }
            let ended = ready.last?.type == .debateEnd
            if ended { s.finished = true }
            return (ready, ended)
        }
        for e in ready { continuation.yield(e) }
        if ended { continuation.finish() }
    }

    func finish() {
        let first = state.withLock { s -> Bool in
            defer { s.finished = true }
            return !s.finished
        }
        if first { continuation.finish() }
    }
}
