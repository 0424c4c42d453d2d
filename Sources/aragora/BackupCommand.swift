import AragoraDebates
import AragoraStore
import ArgumentParser
import Foundation
import Logging

/// `aragora backup FILE`: an online backup of the configured database.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the database to FILE (SQLite: an online copy; PostgreSQL: pg_dump, custom format).")

    @Argument(help: "A new file to write.")
    var file: String

    func run() async throws {
        let config = try await ConfigurationLoader.load()
        do { print(try await DatabaseBackup.backup(config.database, to: file, logger: Logger(label: "aragora.backup"))) } catch {
            Terminal.errorLine("aragora backup: \(error)")
            throw CLIExit(code: 1)
        }
    }
}

/// `aragora restore FILE --yes`: replaces the database's content with a backup's.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database's content with a backup made by 'aragora backup' (stop the service first).")

    @Argument(help: "The backup file.")
    var file: String

    @Flag(help: "Confirm: everything in the configured database is replaced.")
    var yes = false

    func run() async throws {
        let config = try await ConfigurationLoader.load()
        guard yes else {
            Terminal.errorLine("aragora restore: this replaces everything in \(config.database) with \(file); stop the service, then run again with --yes")
            throw CLIExit(code: 2)
        }
        do { print(try await DatabaseBackup.restore(config.database, from: file, logger: Logger(label: "aragora.restore"))) } catch {
            Terminal.errorLine("aragora restore: \(error)")
            throw CLIExit(code: 1)
        }
    }
}
