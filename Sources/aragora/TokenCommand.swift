import AragoraServer
import ArgumentParser
import Foundation

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print an API token signed with ARAGORA_API_TOKEN (format loop_id:expires:signature).")

    @Option(help: "The token's loop id: 'admin' or a debate id.")
    var loopId: String = "admin"

    @Option(help: "Seconds until it expires (default $ARAGORA_TOKEN_TTL, else 3600).")
    var ttl: Int?

    func run() async throws {
        let config = try await ConfigurationLoader.load()
        guard let secret = config.apiToken else {
            Terminal.errorLine("error: ARAGORA_API_TOKEN is not set: it is the secret tokens are signed with")
            throw CLIExit(code: 2)
        }
        let ttl = ttl ?? config.tokenTTL
        guard ttl > 0 else {
            Terminal.errorLine("error: --ttl must be positive")
            throw CLIExit(code: 2)
        }
        guard !loopId.isEmpty else {
            Terminal.errorLine("error: --loop-id is empty")
            throw CLIExit(code: 2)
        }
        print(TokenAuthenticator(secret: secret).mint(loopID: loopId, ttl: ttl))
    }
}
