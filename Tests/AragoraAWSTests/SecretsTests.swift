import AragoraAWS
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import AragoraTestSupport
import Testing

/// Secrets Manager against moto (a local AWS from PyPI, started by scripts/test-services.sh, checking signatures),
/// and the instance role's credentials through a fake IMDSv2 endpoint on loopback.
@Suite("Secrets Manager and instance credentials")
struct SecretsTests {
    static let env = ProcessInfo.processInfo.environment
    static let available = TestServices.available("ARAGORA_TEST_MOTO_URL")

    static func aws(_ extra: [String: String] = [:]) throws -> [String: String] {
        let url = try #require(env["ARAGORA_TEST_MOTO_URL"], "moto not started: eval \"$(scripts/test-services.sh)\"")
        var e = ["ARAGORA_USE_SECRETS_MANAGER": "true", "ARAGORA_SECRET_NAME": "aragora/test", "AWS_REGION": "us-east-1",
                 "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": env["ARAGORA_TEST_MOTO_KEY_ID"] ?? "",
                 "AWS_SECRET_ACCESS_KEY": env["ARAGORA_TEST_MOTO_SECRET_KEY"] ?? ""]
        e.merge(extra) { $1 }
        return e
    }

    @Test("the secret's keys become configuration; an explicit variable wins", .enabled(if: available))
    func resolves() async throws {
        let (merged, taken) = try await SecretEnvironment.resolve(try Self.aws(["OPENAI_API_KEY": "sk-explicit"]), enabled: true)
        #expect(merged["ARAGORA_API_TOKEN"] == "from-the-secret")
        #expect(merged["ARAGORA_DEFAULT_ROUNDS"] == "2", "numbers become their text")
        #expect(merged["OPENAI_API_KEY"] == "sk-explicit", "the environment wins")
        #expect(taken == ["ARAGORA_API_TOKEN", "ARAGORA_DEFAULT_ROUNDS"])
    }

    @Test("a missing secret, refused credentials and an unreachable endpoint each say which", .enabled(if: available))
    func failures() async throws {
        await #expect(throws: AWSError.self) { try await SecretEnvironment.resolve(try Self.aws(["ARAGORA_SECRET_NAME": "aragora/missing"]), enabled: true) }
        do {
            _ = try await SecretEnvironment.resolve(try Self.aws(["ARAGORA_SECRET_NAME": "aragora/missing"]), enabled: true)
        } catch {
            #expect("\(error)".contains("secret 'aragora/missing' not found in us-east-1"), "\(error)")
        }
        do {
            _ = try await SecretEnvironment.resolve(try Self.aws(["AWS_SECRET_ACCESS_KEY": "not-the-key"]), enabled: true)
            Issue.record("a wrong secret key was accepted")
        } catch {
            #expect("\(error)".contains("the AWS credentials were refused"), "\(error)")
            #expect(!"\(error)".contains("not-the-key"), "no secret in the message")
        }
        do {
            _ = try await SecretEnvironment.resolve(try Self.aws(["AWS_ENDPOINT_URL": "http://127.0.0.1:1"]), enabled: true)
            Issue.record("an unreachable endpoint answered")
        } catch {
            #expect("\(error)" == "cannot reach Secrets Manager at http://127.0.0.1:1: connection refused")
        }
        let off = try await SecretEnvironment.resolve(["AWS_REGION": "us-east-1"], enabled: false)
        #expect(off.fromSecret.isEmpty, "without ARAGORA_USE_SECRETS_MANAGER nothing is read")
    }

    @Test("IMDSv2: a token, the role, its credentials; cached until five minutes before they expire")
    func instanceRole() async throws {
        let hits = Mutex<[String]>([])
        let expiry = Mutex(Date().addingTimeInterval(120))
        let router = Router()
        router.put("/latest/api/token") { request, _ -> String in
            hits.withLock { $0.append("token") }
            guard request.headers[HTTPField.Name("X-aws-ec2-metadata-token-ttl-seconds")!] != nil else { throw HTTPError(.badRequest) }
            return "session-token"
        }
        router.get("/latest/meta-data/iam/security-credentials/") { request, _ -> String in
            guard request.headers[HTTPField.Name("X-aws-ec2-metadata-token")!] == "session-token" else { throw HTTPError(.unauthorized) }
            return "aragora-role\n"
        }
        router.get("/latest/meta-data/iam/security-credentials/aragora-role") { request, _ -> String in
            guard request.headers[HTTPField.Name("X-aws-ec2-metadata-token")!] == "session-token" else { throw HTTPError(.unauthorized) }
            hits.withLock { $0.append("credentials") }
            let until = ISO8601DateFormatter().string(from: expiry.withLock { $0 })
            return #"{"Code":"Success","AccessKeyId":"ASIAROLE","SecretAccessKey":"role-secret","Token":"role-token","Expiration":"\#(until)"}"#
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let provider = CredentialsProvider(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(client.port!)"])
            let first = try await provider.credentials()
            #expect(first.accessKeyID == "ASIAROLE" && first.sessionToken == "role-token")
            _ = try await provider.credentials()
            #expect(hits.withLock { $0.filter { $0 == "credentials" }.count } == 2, "two minutes from expiry: fetched again")
            expiry.withLock { $0 = Date().addingTimeInterval(3600) }
            _ = try await provider.credentials()  // fetches the one-hour ones
            _ = try await provider.credentials()
            _ = try await provider.credentials()
            #expect(hits.withLock { $0.filter { $0 == "credentials" }.count } == 3, "then cached while far from expiry")
        }
        let explicit = try await CredentialsProvider(environment: ["AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"]).credentials()
        #expect(explicit.accessKeyID == "AKIA", "the environment's keys come first")
    }
}
