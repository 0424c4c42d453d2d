import AragoraCore

/// Carries live debate events from the instance running a debate to every subscriber, on any instance.
///
/// The runner `open`s a debate, `publish`es its events in `seq` order and `close`s it when it ends. A subscriber
/// gets, atomically, the events published so far and a stream of those that follow: replay plus live has no gap
/// and no duplicate. The in-process implementation is `LocalEventBus`; a shared one (Redis) lets clients of one
/// instance follow debates running on another.
public protocol EventBus: Sendable {
    /// Starts carrying a debate's events; `prior` are events already stored (a resumed debate).
    func open(_ id: String, prior: [DebateEvent])
    /// Must not block: called from the debate's task for every event. `fence`: the lease fence of the owner that
    /// emitted it; other instances drop events of an older fence than one they have seen (a stalled former owner).
    func publish(_ event: DebateEvent, fence: Int)
    /// The debate ended: its subscribers' streams finish.
    func close(_ id: String)
    /// Events up to `seq` are committed to the store: the bus may serve them from there and drop its copies.
    func persisted(_ id: String, through seq: Int)
    /// Subscribes to a debate running anywhere; `history` is nil when it is not running (read the store).
    func subscribe(_ id: String) async -> EventSubscription
    /// The events published so far, without subscribing; nil when the debate is not running.
    func history(_ id: String) async -> [DebateEvent]?
    /// A debate taken over here resumes after `seq`: followers elsewhere drop what they were shown beyond it.
    func resumed(_ id: String, from seq: Int, fence: Int)
    /// Tells every instance at once that a debate was asked to stop (the store holds the request durably; its
    /// owner also sees it at its next lease renewal, so a lost announcement only delays the cancel).
    func announceCancel(_ id: String)
    /// Called with the id of each debate whose cancel another instance announced.
    func onCancelAnnounced(_ handler: @escaping @Sendable (String) async -> Void)
    /// Events this bus could not hand on to other instances (its outbox full): `/metrics` shows it.
    var droppedPublishes: Int { get }
    /// Stops what the bus runs in the background, after handing on what it holds (bounded): at shutdown.
    func shutdown() async
}

extension EventBus {
    /// An event of a debate with no lease competition (one process, tests).
    public func publish(_ event: DebateEvent) { publish(event, fence: 0) }

    /// One process: nobody else followed the debate.
    public func resumed(_ id: String, from seq: Int, fence: Int) {}

    /// One process: the runner that was asked already holds the debate, or the store carries the request.
    public func announceCancel(_ id: String) {}
    public func onCancelAnnounced(_ handler: @escaping @Sendable (String) async -> Void) {}
    public var droppedPublishes: Int { 0 }
    public func shutdown() async {}
}

/// One subscriber's view of a debate: what happened so far and what follows. Ends when the debate ends or
/// `cancel` is called.
public struct EventSubscription: Sendable {
    public var history: [DebateEvent]?
    public var events: AsyncStream<DebateEvent>
    public var cancel: @Sendable () -> Void

    public init(history: [DebateEvent]?, events: AsyncStream<DebateEvent>, cancel: @escaping @Sendable () -> Void) {
        self.history = history
        self.events = events
        self.cancel = cancel
    }
}
