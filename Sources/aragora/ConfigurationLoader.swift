import AragoraServer
import Foundation

/// Every command reads its configuration here, through the same validated type as the service.
enum ConfigurationLoader {
    /// The configuration from the environment; an invalid value ends the command with its reason (exit 78).
    static func load() throws -> ServerConfiguration {
        do { return try ServerConfiguration(environment: ProcessInfo.processInfo.environment) } catch {
            Terminal.errorLine("aragora: \(error)")
            throw CLIExit(code: 78)
        }
    }
}
