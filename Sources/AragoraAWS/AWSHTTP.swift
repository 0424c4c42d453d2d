import AsyncHTTPClient
import NIOCore

public enum AWSHTTP {
    /// The process's client for AWS calls: a refused or unreachable endpoint fails at once (a start that cannot
    /// read its secret says so in seconds, not after the client's own connection retries).
    public static let shared: HTTPClient = {
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .seconds(3), read: .seconds(10))
        config.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }()
}
