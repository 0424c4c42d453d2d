import AragoraCore

/// Retries of a failed call: on rate limits, server errors and network failures only, with exponential backoff
/// and full jitter, waiting at least what the provider asked (`Retry-After`), and never past the call's deadline.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(20)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt `attempt + 1` after `error`, or nil to give up (not retryable, out of attempts, or
    /// the wait would run past `remaining`).
    public func delay(after error: AgentError, attempt: Int, remaining: Duration?,
                      random: (Double) -> Double = { Double.random(in: 0...$0) }) -> Duration? {
        guard error.isRetryable, attempt < maxAttempts else { return nil }
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt - 1, 16)))
        let jittered = Duration.milliseconds(random(ceiling.seconds) * 1000)
        let wait = max(jittered, min(error.retryAfter ?? .zero, .seconds(600)))
        if let remaining, wait >= remaining { return nil }
        return wait
    }
}
