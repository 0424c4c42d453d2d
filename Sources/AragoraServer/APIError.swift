import AragoraCore
import AragoraDebates
import AragoraStore
import HTTPTypes
import Hummingbird
import NIOCore

/// An error a client can act on: becomes `{"error", "code", "details"?}` with its status.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: JSONValue?
    public var headers: HTTPFields = [:]
    /// Fields some contracts put at the top level of the body (`retry_after` on a 429).
    public var extra: [String: JSONValue] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    static func badRequest(_ message: String, code: String = "invalid_request", details: JSONValue? = nil) -> APIError {
        APIError(.badRequest, code, message, details: details)
    }
    static func unprocessable(_ message: String, details: JSONValue? = nil) -> APIError {
        APIError(.unprocessableContent, "out_of_range", message, details: details)
    }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }

    /// A storage failure any route may meet: the database down or full is the service's state, not a bug.
    init(storeError: StoreError) {
        switch storeError {
        case .unavailable(let why):
            self.init(.serviceUnavailable, "storage_unavailable", "storage is unavailable: \(why)")
            headers[.retryAfter] = "5"
        case .noSpace(let why):
            self.init(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "insufficient_storage", "no space left: \(why)")
        case .corrupt(let what):
            self.init(.internalServerError, "stored_data_unreadable", "stored data is unreadable: \(what); restore it from a backup")
        default:
            self.init(.internalServerError, "internal_error", "internal server error")
        }
    }

    /// Why a debate could not start: overloaded (503, retry in 1 s), an agent that cannot be used (400), or the store
    /// (as every route maps a store error).
    init(startError: StartDebateError) {
        switch startError {
        case .overloaded:
            self.init(.serviceUnavailable, "overloaded", startError.description)
            headers[.retryAfter] = "1"
        case .agentUnavailable(let why, let available):
            self.init(.badRequest, "agent_unavailable", why, details: ["available": JSONValue(available)])
        case .store(let error as StoreError):
            self.init(storeError: error)
        case .store:
            self.init(.internalServerError, "internal_error", "internal server error")
        }
    }

    var body: JSONValue {
        var o: [String: JSONValue] = extra
        o["error"] = .string(message)
        o["code"] = .string(code)
        if let details { o["details"] = details }
        return .object(o)
    }

    func response() -> Response {
        var r = JSONResponse.make(body, status: status)
        for h in headers { r.headers.append(h) }
        return r
    }
}

/// JSON responses from `JSONValue` (or already-encoded bytes), with the right content type.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(value.serialized().utf8), status: status)
    }

    /// A response type's Codable shape, written by the byte encoder.
    static func encode<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        bytes(try JSONByteEncoder().encode(value), status: status)
    }

    static func bytes(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        buffer(ByteBuffer(bytes: bytes), status: status)
    }

    static func buffer(_ buffer: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: buffer))
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var all: HTTPFields = [.contentType: contentType]
        all.append(contentsOf: headers)
        return Response(status: status, headers: all, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
