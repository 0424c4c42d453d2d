import AragoraDebates
import AragoraServer
import AragoraStore
import ArgumentParser
import Foundation
import Logging

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Create, upgrade or inspect the database schema.",
        subcommands: [Migrate.self, Status.self])

    static func open() async throws -> (any DebateStore, ServerConfiguration) {
        let config = try await ConfigurationLoader.load()
        return (try await config.database.open(logger: Logger(label: "aragora.db")), config)
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations (idempotent).")
        func run() async throws {
            let (store, config) = try await DatabaseCommand.open()
            let applied = try await store.migrate()
            let state = try await store.migrationState()
            try await store.close()
            print(applied.isEmpty
                  ? "database \(config.database) is up to date (schema version \(state.applied.max() ?? 0))"
                  : "applied migrations \(applied.map(String.init).joined(separator: ", ")) to \(config.database) (schema version \(state.applied.max() ?? 0))")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show applied and pending migrations.")
        func run() async throws {
            let (store, config) = try await DatabaseCommand.open()
            let state = try await store.migrationState()
            try await store.close()
            print("database: \(config.database)")
            print("applied:  \(state.applied.isEmpty ? "none" : state.applied.map(String.init).joined(separator: ", "))")
            print("pending:  \(state.pending.isEmpty ? "none" : state.pending.map(String.init).joined(separator: ", "))")
            if !state.pending.isEmpty {
                print("run 'aragora db migrate' to apply them")
                throw CLIExit(code: 1)
            }
        }
    }
}
