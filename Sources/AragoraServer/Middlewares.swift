import AragoraCore
import AragoraDebates
import AragoraStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Outermost: request id, one log line per request, metrics, and every error turned into JSON.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let service: ServerContext
    /// Probes answered here, by exact path, for GET: no middleware after this one applies to them (origin, auth,
    /// rate limits and route metrics all let probes pass), and going through them and the router was about a tenth
    /// of a probe's time (docs/benchmarks.md). The same handlers are on the router for every other method.
    var probes: [String: @Sendable () async throws -> Response] = [:]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let start = ContinuousClock.now
        let incoming = request.headers[RequestID.header].flatMap { DebateID.isValid($0) ? $0 : nil }
        context.requestID = incoming ?? RequestID.make()
        var answered: Response?
        var failure = APIError(.internalServerError, "internal_error", "internal server error")
        do {
            if request.method == .get, let probe = probes[request.uri.path] {
                answered = try await probe()
            } else {
                answered = try await next(request, context)
            }
        } catch let error as APIError {
            failure = error
        } catch let error as HTTPError {
            failure = service.routes.table.apiError(for: error, request: request)
        } catch is HTTPParserError {
            // A body the parser could not read (a malformed chunk): the client's fault, and the connection is done.
            var error = APIError.badRequest("malformed request body", code: "malformed_request")
            error.headers[.connection] = "close"
            failure = error
        } catch let error as StoreError {
            failure = APIError(storeError: error)
        } catch is NIOTooManyBytesError {
            failure = APIError(.contentTooLarge, "request_too_large",
                               "request body exceeds \(service.config.maxRequestSize) bytes (ARAGORA_MAX_REQUEST_SIZE)")
        } catch {
            service.logger.error("unhandled error", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
        }
        // OpenAI clients read errors in OpenAI's shape: everything under /v1/ answers that way.
        var response = answered ?? (OpenAIRoutes.isOpenAI(request.uri.path) ? failure.openAIResponse() : failure.response())
        response.headers[RequestID.header] = context.requestID
        response.headers.append(contentsOf: SecurityHeaders.all)
        let seconds = (ContinuousClock.now - start).seconds
        let path = request.uri.path
        if !RouteTable.isProbe(path) || response.status.code >= 400 {
            service.logger.info("request", metadata: [
                "method": "\(request.method.rawValue)", "path": "\(path)", "status": "\(response.status.code)",
                "duration_ms": "\(String(format: "%.2f", seconds * 1000))", "request_id": "\(context.requestID)",
            ])
        }
        return response
    }
}

/// Request ids correlate log lines; they need to be unique, not unpredictable. A random prefix per process and a
/// counter: asking the kernel for randomness on every request cost 1.8% of a probe's time (docs/benchmarks.md).
enum RequestID {
    /// Named once: building a field name checks and lowercases it (every request reads and writes this one).
    static let header = HTTPField.Name("X-Request-ID")!
    static let prefix = String(UInt64.random(in: 1 << 60 ..< UInt64.max), radix: 16)
    static let counter = Atomic<UInt64>(0)

    static func make() -> String {
        prefix + String(counter.wrappingAdd(1, ordering: .relaxed).newValue, radix: 16)
    }
}

/// Refuses requests a foreign web page could make through the user's browser (`OriginPolicy`).
struct OriginMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let policy: OriginPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let hasBody = (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0 || request.headers[.transferEncoding] != nil
        if !RouteTable.isProbe(request.uri.path),
           let refusal = policy.refusal(method: request.method, headers: request.headers, authority: request.head.authority,
                                        hasBody: hasBody) {
            throw refusal
        }
        return try await next(request, context)
    }
}

/// Bearer-token auth (CONTRACT §2): on when ARAGORA_API_TOKEN is set; public routes pass.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let service: ServerContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Probes are public and never rate limited: nothing after this needs the client's address or credential,
        // and working them out was about 3% of a probe's time (docs/benchmarks.md).
        if RouteTable.isProbe(request.uri.path) { return try await next(request, context) }
        var context = context
        context.clientIP = service.clientIP.resolve(peer: context.remoteAddress?.ipAddress ?? "unknown") { name in
            HTTPField.Name(name).flatMap { request.headers[$0] }
        }
        context.credential = "ip:" + context.clientIP
        let path = request.uri.path
        let token = Self.bearer(request.headers)
        if path == "/metrics", let metricsToken = service.config.metricsToken {
            guard let token, TokenAuthenticator.equalInConstantTime(token, metricsToken) else {
                throw APIError(.unauthorized, "auth_required", "metrics need the metrics token")
            }
            return try await next(request, context)
        }
        guard let auth = service.authenticator else { return try await next(request, context) }
        let isPublic = RouteTable.isPublic(method: request.method, path: path)
        if let token {
            switch auth.validate(token) {
            case .success(let loop):
                context.loopID = loop
                // Keyed on the loop id, not the token: minting a fresh token does not reset a limit.
                context.credential = "token:" + loop
                if !isPublic, !TokenScope(loopID: loop).allows(request.method, path, routes: service.routes.table) {
                    throw APIError(.forbidden, "forbidden", "this token (loop_id '\(loop)') may not \(request.method.rawValue) \(path)")
                }
            case .failure(let f):
                if !isPublic {
                    try await countFailure(context)
                    throw APIError(.unauthorized, f.code, f.message)
                }
            }
        } else if !isPublic {
            throw APIError(.unauthorized, "auth_required", "authentication required: send Authorization: Bearer <token>")
        }
        return try await next(request, context)
    }

    /// A rejected token spends from the client IP's budget, so guessing tokens is rate limited (429 once spent).
    func countFailure(_ context: Context) async throws {
        let config = service.config
        guard !config.rateLimitsDisabled else { return }
        let decision = try await service.rateLimits.take(context.credential, perMinute: config.ipRateLimit,
                                                         capacity: config.ipRateLimit * config.burstMultiplier, now: service.now())
        if !decision.allowed { throw RateLimitMiddleware.refusal(decision, service: service) }
    }

    /// The credential, from the Authorization header only (never the query string).
    static func bearer(_ headers: HTTPFields) -> String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let t = parts[1].trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : t
    }
}

/// Token buckets per client IP (anonymous) or per token, plus one for debate creation (CONTRACT §6).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let service: ServerContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let config = service.config
        let path = request.uri.path
        if config.rateLimitsDisabled || RouteTable.isProbe(path) || RouteTable.isWebFile(path) {
            return try await next(request, context)
        }
        let authenticated = context.loopID != nil
        var decision = try await take(context.credential, perMinute: authenticated ? config.tokenRateLimit : config.ipRateLimit)
        if decision.allowed, request.method == .post, RouteTable.isCreate(path) {
            decision = try await take("create:" + context.credential, perMinute: config.createRateLimit)
        }
        guard decision.allowed else { throw Self.refusal(decision, service: service) }
        var response = try await next(request, context)
        response.headers.append(contentsOf: Self.headers(decision))
        return response
    }

    /// The 429: `Retry-After` and `X-RateLimit-Reset` agree, and `retry_after` sits at the top of the body.
    static func refusal(_ decision: RateLimitDecision, service: ServerContext) -> APIError {
        service.metrics.increment("aragora_rate_limited_total")
        var error = APIError(.tooManyRequests, "rate_limit_exceeded", "rate limit exceeded: retry in \(decision.retryAfter)s",
                             details: nil)
        error.headers = headers(decision)
        error.headers[HTTPField.Name("Retry-After")!] = String(decision.retryAfter)
        error.extra = ["retry_after": .int(decision.retryAfter)]
        return error
    }

    func take(_ key: String, perMinute: Double) async throws -> RateLimitDecision {
        try await service.rateLimits.take(key, perMinute: perMinute, capacity: perMinute * service.config.burstMultiplier,
                                          now: service.now())
    }

    static func headers(_ d: RateLimitDecision) -> HTTPFields {
        [HTTPField.Name("X-RateLimit-Limit")!: String(d.limit), HTTPField.Name("X-RateLimit-Remaining")!: String(d.remaining),
         HTTPField.Name("X-RateLimit-Reset")!: String(d.retryAfter)]
    }
}
