import AsyncHTTPClient
import Foundation
import NIOCore

/// AWS Secrets Manager's `GetSecretValue`, signed with SigV4: the JSON 1.1 protocol (`X-Amz-Target`), to
/// `https://secretsmanager.REGION.amazonaws.com/` or `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL`.
public struct SecretsManager: Sendable {
    public let region: String
    public let endpoint: String
    let credentials: CredentialsProvider
    let http: HTTPClient

    public init(environment: [String: String], http: HTTPClient = AWSHTTP.shared) throws(AWSError) {
        guard let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !region.isEmpty else {
            throw .credentials("AWS_REGION is not set: Secrets Manager needs the region of the secret")
        }
        self.region = region
        var endpoint = environment["AWS_ENDPOINT_URL_SECRETS_MANAGER"] ?? environment["AWS_ENDPOINT_URL"] ?? "https://secretsmanager.\(region).amazonaws.com"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.endpoint = endpoint
        credentials = CredentialsProvider(environment: environment, http: http)
        self.http = http
    }

    /// The secret's string value.
    public func secretString(_ id: String) async throws(AWSError) -> String {
        let creds = try await credentials.credentials()
        guard let url = URL(string: endpoint + "/"), let host = url.host else { throw .unreachable("not a URL: \(endpoint)") }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let body = Array((try? JSONSerialization.data(withJSONObject: ["SecretId": id])) ?? Data())
        let headers: [(name: String, value: String)] = [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "secretsmanager.GetSecretValue")]
        let signed = SigV4.sign(SigV4.Request(method: "POST", host: hostHeader, path: "/", headers: headers, body: body),
                                credentials: creds, region: region, service: "secretsmanager")
        var request = HTTPClientRequest(url: endpoint + "/")
        request.method = .POST
        for (name, value) in headers + signed { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: UInt, text: String
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            status = response.status.code
            text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            throw .unreachable("cannot reach Secrets Manager at \(endpoint): \(Self.brief(error))")
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        guard status == 200 else {
            // JSON errors (`__type`, `message`), or the XML ones of the signature check.
            let type = ((json?["__type"] as? String) ?? Self.xml("Code", in: text) ?? "Error").split(separator: "#").last.map(String.init) ?? ""
            let message = (json?["message"] as? String) ?? (json?["Message"] as? String) ?? Self.xml("Message", in: text) ?? String(text.prefix(200))
            throw .service(type: type, message: message, status: Int(status))
        }
        guard let secret = json?["SecretString"] as? String else {
            throw .badResponse("secret '\(id)' has no SecretString (binary secrets are not supported)")
        }
        return secret
    }

    static func xml(_ element: String, in text: String) -> String? {
        guard let open = text.range(of: "<\(element)>"), let close = text.range(of: "</\(element)>", range: open.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[open.upperBound..<close.lowerBound])
    }

    static func brief(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Connection refused") { return "connection refused" }
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") { return "timed out" }
        return String(text.prefix(160))
    }
}
