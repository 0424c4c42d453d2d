import AragoraCore
import Foundation

/// Turns a provider's HTTP error answer into a classified `AgentError` carrying the provider's own message.
enum FailureClassifier {
    static func classify(status: Int, body: [UInt8], retryAfter: Duration?, settings: ProviderSettings) -> AgentError {
        let json = JSONValue.parse(bytes: body)
        let raw = providerMessage(json) ?? String(decoding: body.prefix(300), as: UTF8.self)
        let message = settings.redact("HTTP \(status): " + (raw.isEmpty ? "(no body)" : raw))
        let code = (json?["error"]?["code"]?.stringValue ?? json?["error"]?["type"]?.stringValue ?? "").lowercased()
        let lower = raw.lowercased()
        switch status {
        case 401, 403:
            return .auth(message)
        case 402:
            return .quota(message)
        case 429:
            // OpenAI says `insufficient_quota` on a 429 when the account has no credit: waiting will not help.
            if code == "insufficient_quota" || lower.contains("insufficient_quota") || lower.contains("billing") {
                return .quota(message)
            }
            return .rateLimit(message, retryAfter: retryAfter)
        case 400 where lower.contains("credit balance") || lower.contains("insufficient balance"):
            return .quota(message)
        case 408, 409, 425, 500...599:
            // 529: Anthropic overloaded; 408/409/425: the request may succeed when sent again.
            return .server(message, retryAfter: retryAfter)
        default:
            return .badResponse(message)
        }
    }

    /// `Retry-After` as seconds or an HTTP date, or OpenAI's `retry-after-ms`; capped at 10 minutes.
    static func retryAfter(seconds: String?, milliseconds: String?, now: Date = Date()) -> Duration? {
        if let ms = milliseconds.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }), ms >= 0 {
            return .milliseconds(min(ms, 600_000))
        }
        guard let text = seconds?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let s = Double(text), s >= 0 { return .milliseconds(min(s, 600) * 1000) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: text) else { return nil }
        return .milliseconds(max(0, min(600, date.timeIntervalSince(now))) * 1000)
    }
}
