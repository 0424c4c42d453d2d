import AragoraCore
import ArgumentParser
import Foundation

struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "Work with debate receipts.",
        subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a saved receipt (or a debate record containing one) and report any edit.",
            discussion: "Exit status 0 when intact, 1 when edited or signed by an unexpected key, 2 when unreadable.")

        @Argument(help: "A receipt JSON file, or a debate record from 'aragora ask --json' or the API.")
        var file: String

        @Option(help: "Hex Ed25519 public key the receipt must be signed with.")
        var publicKey: String?

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                Terminal.errorLine("error: cannot read \(file)")
                throw CLIExit(code: 2)
            }
            let receipt: Receipt
            do { receipt = try ReceiptVerifier.load(data) } catch {
                Terminal.errorLine("error: \(file): \(error)")
                throw CLIExit(code: 2)
            }
            let term = Terminal()
            if let problem = ReceiptVerifier.problem(with: receipt, trustedKeyHex: publicKey) {
                print(term.red("✗ receipt INVALID: \(problem)"))
                throw CLIExit(code: 1)
            }
            let id = receipt.payload["debate_id"]?.stringValue ?? "?"
            print(term.green("✓ receipt valid") + ": debate \(id), sha256 \(receipt.digest), signed by ed25519 key \(receipt.publicKey)")
        }
    }
}
