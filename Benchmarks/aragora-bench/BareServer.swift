import Foundation
import Hummingbird

/// The request path's ceiling: a bare Hummingbird 2 server answering a constant JSON body on every path Aragora's
/// request-path benchmark asks, with nothing else (no middleware, no store). `Benchmarks/request-path.sh` runs it
/// beside `aragora serve` under the same wrk load, so each route's figure is a ratio to what the framework allows here.
enum BareServer {
    static func serve(port: Int) async throws {
        let body = ByteBuffer(string: #"{"status":"ok"}"#)
        let router = Router()
        for path in ["/healthz", "/api/health", "/api/agents"] {
            router.get(RouterPath(path)) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
            }
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "bare"))
        try await app.runService()
    }
}
