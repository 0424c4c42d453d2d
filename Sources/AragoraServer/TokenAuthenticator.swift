import AragoraCore
import Crypto
import Foundation

/// Bearer tokens of the original Aragora: `{loop_id}:{expires}:{signature}`, where `signature` is the
/// lowercase hex HMAC-SHA256 of `"{loop_id}:{expires}"` keyed with `ARAGORA_API_TOKEN`.
public struct TokenAuthenticator: Sendable {
    let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: Data(secret.utf8))
    }

    public enum Failure: Error, Equatable {
        case invalid(String)
        case expired

        public var code: String {
            switch self {
            case .invalid: return "invalid_token"
            case .expired: return "token_expired"
            }
        }

        public var message: String {
            switch self {
            case .invalid(let why): return "invalid token: \(why)"
            case .expired: return "token expired"
            }
        }
    }

    public func mint(loopID: String, ttl: Int, now: Date = Date()) -> String {
        let expires = Int(now.timeIntervalSince1970) + ttl
        let message = "\(loopID):\(expires)"
        return "\(message):\(signature(message))"
    }

    func signature(_ message: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)).hexString
    }

    /// The token's loop id when it is valid at `now`.
    public func validate(_ token: String, now: Date = Date()) -> Result<String, Failure> {
        // Split from the right: the loop id may itself contain colons.
        guard let lastColon = token.lastIndex(of: ":") else { return .failure(.invalid("expected loop_id:expires:signature")) }
        let message = String(token[..<lastColon])
        let signature = String(token[token.index(after: lastColon)...])
        guard let expiresColon = message.lastIndex(of: ":") else { return .failure(.invalid("expected loop_id:expires:signature")) }
        let loopID = String(message[..<expiresColon])
        let expiresText = message[message.index(after: expiresColon)...]
        guard let expires = Int(expiresText) else { return .failure(.invalid("expires is not an integer")) }
        guard Self.constantTimeEqual(signature, self.signature(message)) else { return .failure(.invalid("bad signature")) }
        guard now.timeIntervalSince1970 <= Double(expires) else { return .failure(.expired) }
        return .success(loopID)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }
}
