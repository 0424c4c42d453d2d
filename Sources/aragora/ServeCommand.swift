import AragoraDebates
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
            DATABASE_URL (SQLite by default; postgres://... for several instances), REDIS_URL (shared rate limits
            and live events), ARAGORA_API_TOKEN, ARAGORA_ENV, ARAGORA_INSTANCE_ID, rate limits, ... Flags override
            ARAGORA_HOST and ARAGORA_PORT.
            SIGTERM or Ctrl-C: /readyz turns 503 while requests are still served for ARAGORA_DRAIN_SECONDS (0, or
            5 in production), then it stops accepting, checkpoints running debates (resumed at the next start) and
            exits 0. A second signal skips the drain.
            """)

    @Option(help: "Address to listen on (default $ARAGORA_HOST, else 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default $ARAGORA_PORT, else 8080).")
    var port: Int?

    func run() async throws {
        var config = try await ConfigurationLoader.load()
        if let host { config.host = host }
        if let port {
            guard (0...65535).contains(port) else {
                Terminal.errorLine("aragora serve: --port must be 0-65535")
                throw CLIExit(code: 2)
            }
            config.port = port
        }
        let metrics = ServiceMetrics()
        let factory = try ProviderAgents.load(config, metrics: metrics)
        do {
            let service = try await ServerContext.make(configuration: config, factory: factory, metrics: metrics)
            try await runServing(service)
        } catch {
            Terminal.errorLine("aragora serve: \(error)")
            throw CLIExit(code: 1)
        }
    }
}
