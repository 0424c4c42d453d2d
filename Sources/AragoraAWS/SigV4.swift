import Crypto
import Foundation

/// AWS credentials: a key pair and, for temporary credentials (an instance role, STS), a session token.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}

/// AWS Signature Version 4 for a request in headers (the `Authorization` header), as the AWS General Reference
/// describes it and its published test suite checks it. One request at a time; no state.
public enum SigV4 {
    /// A request to sign: path and query as sent (percent-encoded or not), headers by name.
    public struct Request: Sendable {
        public var method: String
        public var host: String
        public var path: String
        public var query: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(method: String, host: String, path: String, query: String = "", headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
            self.method = method
            self.host = host
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }
    }

    /// The headers to add to the request: `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials) and
    /// `Authorization`. `Host` is signed from `request.host` (HTTP clients send it themselves).
    public static func sign(_ request: Request, credentials: AWSCredentials, region: String, service: String,
                            date: Date = Date()) -> [(name: String, value: String)] {
        let amzDate = timestamp(date)
        var headers = request.headers
        if !headers.contains(where: { $0.name.lowercased() == "host" }) { headers.append(("Host", request.host)) }
        headers.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken { headers.append(("X-Amz-Security-Token", token)) }
        let (canonical, signed) = canonicalRequest(Request(method: request.method, host: request.host, path: request.path,
                                                           query: request.query, headers: headers, body: request.body))
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
        let toSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(hex(SHA256.hash(data: Data(canonical.utf8))))"
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [String(amzDate.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = hex(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: key))
        var out: [(name: String, value: String)] = [("X-Amz-Date", amzDate)]
        if let token = credentials.sessionToken { out.append(("X-Amz-Security-Token", token)) }
        out.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signed), Signature=\(signature)"))
        return out
    }

    /// The canonical request and its signed-header list.
    public static func canonicalRequest(_ r: Request) -> (String, String) {
        // Headers: lowercase names, values trimmed with inner runs of spaces collapsed, repeats joined by commas in
        // the order given, sorted by name.
        var byName: [String: [String]] = [:]
        for (name, value) in r.headers {
            let collapsed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            byName[name.lowercased(), default: []].append(collapsed)
        }
        let names = byName.keys.sorted()
        let headerLines = names.map { "\($0):\(byName[$0]!.joined(separator: ","))\n" }.joined()
        let signed = names.joined(separator: ";")
        let payload = hex(SHA256.hash(data: Data(r.body)))
        return ([r.method, canonicalURI(r.path), canonicalQuery(r.query), headerLines, signed, payload].joined(separator: "\n"), signed)
    }

    /// The path with `.` and `..` segments resolved and empty segments dropped, each segment decoded and encoded
    /// once (RFC 3986), as the published test suite has it.
    public static func canonicalURI(_ path: String) -> String {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            let segment = String(raw).removingPercentEncoding ?? String(raw)
            if segment == "." { continue }
            if segment == ".." { _ = segments.popLast(); continue }
            segments.append(encode(segment))
        }
        let joined = "/" + segments.joined(separator: "/")
        return path.hasSuffix("/") && !segments.isEmpty ? joined + "/" : joined
    }

    /// Parameters sorted by encoded name, then value; a name without `=` has an empty value.
    public static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs: [(String, String)] = query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ s: Substring) -> String { String(s).removingPercentEncoding ?? String(s) }
            return (encode(decoded(parts[0])), parts.count > 1 ? encode(decoded(parts[1])) : "")
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~`, as uppercase hex of the UTF-8 bytes.
    public static func encode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `20150830T123600Z`.
    public static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date)
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
