/// An agent whose replies wait on a timer or a callback, not on work in a task of its own (the demo agents'
/// simulated latency). The engine starts such a call without spawning a task: a pending call then costs a timer
/// entry and a closure instead of a task with its frames, which is most of what a debate in flight holds.
public protocol ScheduledAgent: Agent {
    /// Starts a call like `respond` (or `stream`, when `streaming`); `done` is called exactly once, from any
    /// thread, possibly before this returns, and `onDelta` only before it.
    func start(_ request: PhaseRequest, in context: DebateContext, streaming: Bool,
               onDelta: @escaping TokenSink, done: @escaping @Sendable (Result<AgentReply, any Error>) -> Void)
}
