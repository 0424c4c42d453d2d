import AragoraCore
import ArgumentParser
import Foundation

@main
struct Aragora: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aragora",
        abstract: "A panel of AI agents debates a question and returns a verifiable answer.",
        version: AragoraVersion.current,
        subcommands: [AskCommand.self, EvalCommand.self, ServeCommand.self, MCPCommand.self, AgentsCommand.self, TokenCommand.self, DatabaseCommand.self, DoctorCommand.self, BackupCommand.self, RestoreCommand.self,
                      DebatesCommand.self, ReceiptCommand.self]
    )

    /// Parse errors end in one line on stderr and exit 2; help and version print as usual.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let exit as CLIExit {
            Foundation.exit(exit.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success || fullMessage(for: error).hasPrefix("OVERVIEW") || error is CleanExit {
                self.exit(withError: error)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            Terminal.errorLine("error: \(message) (see 'aragora --help')")
            Foundation.exit(code == .failure ? 1 : 2)
        }
    }
}

/// Ends the process with a code after the command has already said why.
struct CLIExit: Error {
    var code: Int32
}
