import Foundation

/// Configuration from AWS Secrets Manager: with `ARAGORA_USE_SECRETS_MANAGER=true`, the JSON secret
/// `ARAGORA_SECRET_NAME` (default `aragora/production`) in `AWS_REGION` is read and its keys become configuration
/// variables; a variable set explicitly in the environment wins.
public enum SecretEnvironment {
    /// The environment with the secret's keys beneath it, and the names taken from the secret (never values).
    /// `enabled`: whether `ARAGORA_USE_SECRETS_MANAGER` is on, as the caller's configuration reader reads it.
    public static func resolve(_ environment: [String: String], enabled: Bool, client given: SecretsManager? = nil) async throws(AWSError)
        -> (environment: [String: String], fromSecret: [String]) {
        guard enabled else { return (environment, []) }
        let name = environment["ARAGORA_SECRET_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "aragora/production"
        let client: SecretsManager
        if let given { client = given } else { client = try SecretsManager(environment: environment) }
        let text: String
        do { text = try await client.secretString(name) } catch {
            switch error {
            case .service(let type, let message, _) where type == "ResourceNotFoundException":
                throw .service(type: type, message: "secret '\(name)' not found in \(client.region): \(message)", status: 400)
            case .service(let type, let message, let status) where ["UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
                                                                    "InvalidClientTokenId", "AccessDeniedException", "ExpiredTokenException"].contains(type):
                throw .service(type: type, message: "the AWS credentials were refused reading '\(name)': \(message)", status: status)
            default: throw error
            }
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw .badResponse("secret '\(name)' is not a JSON object of configuration keys")
        }
        var merged = environment
        var taken: [String] = []
        for (key, value) in object where environment[key] == nil {
            let text: String
            switch value {
            case let s as String: text = s
            case let n as NSNumber: text = n.stringValue
            default: continue
            }
            merged[key] = text
            taken.append(key)
        }
        return (merged, taken.sorted())
    }
}
