import Hummingbird

extension Router where Context == AppRequestContext {
    /// Registers a route at `/api/X` and `/api/v1/X`.
    func api(_ method: HTTPRequest.Method, _ path: String,
             _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response) {
        on(RouterPath("/api" + path), method: method, use: handler)
        on(RouterPath("/api/v1" + path), method: method, use: handler)
    }
}
