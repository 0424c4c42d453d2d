import AragoraServer
import ArgumentParser
import Foundation
import Hummingbird

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP and WebSocket service.",
        discussion: """
            Configuration comes from the environment (see README): ARAGORA_HOST, ARAGORA_PORT, ARAGORA_DATA_DIR,
            ARAGORA_API_TOKEN, ARAGORA_ENV, rate limits, ... Flags override ARAGORA_HOST and ARAGORA_PORT.
            SIGTERM or Ctrl-C stops accepting, checkpoints running debates (resumed at the next start) and exits 0.
            """)

    @Option(help: "Address to listen on (default $ARAGORA_HOST, else 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default $ARAGORA_PORT, else 8080).")
    var port: Int?

    func run() async throws {
        var config: ServerConfiguration
        do { config = try ServerConfiguration(environment: ProcessInfo.processInfo.environment) } catch {
            Terminal.errorLine("aragora serve: \(error)")
            throw CLIExit(code: 78)
        }
        if let host { config.host = host }
        if let port {
            guard (0...65535).contains(port) else {
                Terminal.errorLine("aragora serve: --port must be 0-65535")
                throw CLIExit(code: 2)
            }
            config.port = port
        }
        do {
            let (app, _) = try await buildApplication(configuration: config)
            try await app.runService()
        } catch {
            Terminal.errorLine("aragora serve: \(error)")
            throw CLIExit(code: 1)
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print an API token signed with ARAGORA_API_TOKEN (format loop_id:expires:signature).")

    @Option(help: "The token's loop id: 'admin' or a debate id.")
    var loopId: String = "admin"

    @Option(help: "Seconds until it expires (default $ARAGORA_TOKEN_TTL, else 3600).")
    var ttl: Int?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let secret = env["ARAGORA_API_TOKEN"], !secret.isEmpty else {
            Terminal.errorLine("error: ARAGORA_API_TOKEN is not set: it is the secret tokens are signed with")
            throw CLIExit(code: 2)
        }
        let ttl = ttl ?? Int(env["ARAGORA_TOKEN_TTL"] ?? "") ?? 3600
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
