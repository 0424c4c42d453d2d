/// The one definition of Aragora's version: shown by `aragora --version`, `/api/health` and the WebSocket greeting.
public enum AragoraVersion {
    public static let current = "0.2.0"
}
