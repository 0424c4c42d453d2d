import Hummingbird

/// Hummingbird's `MetricsMiddleware` (request counts, errors and latency by matched route pattern, so unknown
/// paths share the one `NotFound` route) for every route but the health probes: load balancers call those many
/// times a second, their series say nothing an operator needs, and recording them costs about an eighth of a
/// probe's throughput (docs/benchmarks.md).
struct RouteMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics = MetricsMiddleware<AppRequestContext>()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if RouteTable.isProbe(request.uri.path) { return try await next(request, context) }
        return try await metrics.handle(request, context: context, next: next)
    }
}
