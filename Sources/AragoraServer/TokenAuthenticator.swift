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

    /// When a token (already validated) expires: its `expires` field.
    public static func expiry(of token: String) -> Date? {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let expires = Int(parts[parts.count - 2]) else { return nil }
        return Date(timeIntervalSince1970: Double(expires))
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
        // Lowercase hex only, as the original mints them; compared in constant time by swift-crypto.
        guard let mac = Self.lowercaseHexBytes(signature),
              HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(message.utf8), using: key) else {
            return .failure(.invalid("bad signature"))
        }
        guard now.timeIntervalSince1970 <= Double(expires) else { return .failure(.expired) }
        return .success(loopID)
    }

    static func lowercaseHexBytes(_ hex: String) -> [UInt8]? {
        let u = Array(hex.utf8)
        guard u.count == 64 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for i in stride(from: 0, to: 64, by: 2) {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    /// Compares two secrets without leaking where they differ: both are MACed with a one-off key and the
    /// MACs compared by swift-crypto in constant time.
    static func equalInConstantTime(_ a: String, _ b: String) -> Bool {
        let key = SymmetricKey(size: .bits256)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(b.utf8), using: key)
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(a.utf8), using: key)
    }
}
