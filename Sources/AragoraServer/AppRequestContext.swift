import AragoraCore
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// Per-request state: the request id, the caller's identity, and what the middlewares learned.
public struct AppRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public let remoteAddress: SocketAddress?
    public var requestID = ""
    /// The loop id of a valid bearer token.
    public var loopID: String?
    /// The credential rate limits are keyed on: `token:<loop_id>` or `ip:<client ip>`.
    public var credential = ""
    public var clientIP = ""

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}
