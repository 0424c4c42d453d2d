import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Where AWS credentials come from: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, else the
/// EC2 instance role through the instance metadata service, version 2 (a session token first, then the role's
/// temporary credentials), cached and fetched again five minutes before they expire.
public final class CredentialsProvider: Sendable {
    private let environment: [String: String]
    private let http: HTTPClient
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, as the AWS SDKs name it (tests point it at a fake).
    public let metadataEndpoint: String
    private let cached = Mutex<AWSCredentials?>(nil)

    public init(environment: [String: String], http: HTTPClient = AWSHTTP.shared) {
        self.environment = environment
        self.http = http
        var endpoint = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        metadataEndpoint = endpoint
    }

    public func credentials() async throws(AWSError) -> AWSCredentials {
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty {
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
        }
        if let c = cached.withLock({ $0 }), let expiry = c.expiration, expiry.timeIntervalSinceNow > 300 { return c }
        let fresh = try await instanceRole()
        cached.withLock { $0 = fresh }
        return fresh
    }

    /// IMDSv2: PUT a token request, then read the role's name and its credentials with the token.
    func instanceRole() async throws(AWSError) -> AWSCredentials {
        let token = try await metadata("PUT", "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")])
        let auth = [("X-aws-ec2-metadata-token", token)]
        let roles = try await metadata("GET", "/latest/meta-data/iam/security-credentials/", headers: auth)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw .credentials("the instance has no IAM role (instance metadata lists none)")
        }
        let body = try await metadata("GET", "/latest/meta-data/iam/security-credentials/\(role)", headers: auth)
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let key = json["AccessKeyId"] as? String, let secret = json["SecretAccessKey"] as? String else {
            throw .credentials("the instance role's credentials are unreadable")
        }
        var expiration: Date?
        if let text = json["Expiration"] as? String { expiration = ISO8601DateFormatter().date(from: text) }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: json["Token"] as? String, expiration: expiration)
    }

    private func metadata(_ method: String, _ path: String, headers: [(String, String)]) async throws(AWSError) -> String {
        var request = HTTPClientRequest(url: metadataEndpoint + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            let response = try await http.execute(request, timeout: .seconds(2))
            let body = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            guard response.status.code == 200 else {
                throw AWSError.credentials("no AWS credentials: AWS_ACCESS_KEY_ID is not set and the instance metadata service answered \(response.status.code) to \(path)")
            }
            return body
        } catch let e as AWSError {
            throw e
        } catch {
            throw .credentials("no AWS credentials: AWS_ACCESS_KEY_ID is not set and the instance metadata service (\(metadataEndpoint)) is unreachable")
        }
    }
}

/// What went wrong talking to AWS, in one line that names the part; never a secret value.
public enum AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    case credentials(String)
    case unreachable(String)
    /// AWS answered with an error: its type (`ResourceNotFoundException`, ...) and message.
    case service(type: String, message: String, status: Int)
    case badResponse(String)

    public var description: String {
        switch self {
        case .credentials(let m): return m
        case .unreachable(let m): return m
        case .service(let type, let message, let status): return "\(type) (HTTP \(status)): \(message)"
        case .badResponse(let m): return m
        }
    }
}
