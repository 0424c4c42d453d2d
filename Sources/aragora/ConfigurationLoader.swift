import AragoraDebates
import AragoraAWS
import AragoraCore
import AragoraServer
import Foundation
import Synchronization

/// Every command reads its configuration here, through the same validated type as the service: the environment,
/// with the keys of the AWS Secrets Manager secret beneath it when `ARAGORA_USE_SECRETS_MANAGER=true`.
enum ConfigurationLoader {
    /// The environment every part of a command reads (providers' keys included), resolved once per process.
    static var environment: [String: String] { resolved.withLock { $0 } }
    private static let resolved = Mutex(ProcessInfo.processInfo.environment)

    /// The configuration; a secret that cannot be read or an invalid value ends the command with one line saying
    /// which (exit 78). Never prints a secret's value.
    static func load() async throws -> ServerConfiguration {
        let base = ProcessInfo.processInfo.environment
        let enabled: Bool
        do { enabled = try secretsManagerEnabled(base) } catch {
            Terminal.errorLine("aragora: \(error)")
            throw CLIExit(code: 78)
        }
        do {
            let resolved = try await SecretEnvironment.resolve(base, enabled: enabled)
            Self.resolved.withLock { $0 = resolved.environment }
        } catch {
            Terminal.errorLine("aragora: AWS Secrets Manager: \(error)")
            throw CLIExit(code: 78)
        }
        do { return try ServerConfiguration(environment: environment) } catch {
            Terminal.errorLine("aragora: \(error)")
            throw CLIExit(code: 78)
        }
    }

    /// `ARAGORA_USE_SECRETS_MANAGER`, read as every other variable is (`EnvironmentReader`).
    static func secretsManagerEnabled(_ environment: [String: String]) throws -> Bool {
        try EnvironmentReader(environment).bool("ARAGORA_USE_SECRETS_MANAGER") ?? false
    }
}
