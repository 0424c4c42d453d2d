import AragoraCore
import Hummingbird

/// The OpenAI-compatible routes (`/v1/models`, `/v1/chat/completions`; the API's own `/api/v1/...` aliases are not
/// among them).
enum OpenAIRoutes {
    static func isOpenAI(_ path: String) -> Bool { path.hasPrefix("/v1/") || path == "/v1" }
}

extension APIError {
    /// `{"error": {"message", "type", "param", "code"}}` with the same status and headers (`Retry-After` on a 429):
    /// what OpenAI's clients turn into `AuthenticationError`, `NotFoundError`, `BadRequestError`, `RateLimitError`...
    func openAIResponse() -> Response {
        let type: String
        var code = self.code
        switch status.code {
        case 401:
            type = "invalid_request_error"
            code = "invalid_api_key"
        case 403: type = "permission_error"
        case 429: type = "requests"
        case 500...: type = "server_error"
        default: type = "invalid_request_error"
        }
        let param = details?["field"]?.stringValue
        let body: JSONValue = ["error": ["message": .string(message), "type": .string(type), "param": param.map(JSONValue.string) ?? .null,
                                         "code": .string(code)]]
        var r = JSONResponse.make(body, status: status)
        for h in headers { r.headers.append(h) }
        return r
    }
}
