/// The limits every way of starting a debate enforces (CONTRACT §4), defined once.
public enum DebateLimits {
    public static let agents = 2...10
    public static let questionCharacters = 10_000
    public static let contextCharacters = 100_000
    /// Rounds a deployment may allow at most (`ARAGORA_MAX_ROUNDS` is capped by it); the default cap is 12.
    public static let roundsCeiling = 100
    public static let defaultMaxRounds = 12
    public static let defaultRounds = 3
}
