import AragoraDebates
import AragoraCore
import AragoraServer
import AragoraStore
import ArgumentParser
import Crypto
import Foundation
import Logging

struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "Work with debate receipts: verify them, export them as Open Decision Receipts, print the public key.",
        subcommands: [Verify.self, Export.self, Key.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a saved receipt (ours, a debate record holding one, or an Open Decision Receipt) and report any edit.",
            discussion: """
                Exit status 0 when intact, 1 when edited or signed by an unexpected key, 2 when unreadable, 3 when an Open \
                Decision Receipt is well-formed but no --public-key was given to check its signature.
                """)

        @Argument(help: "A receipt JSON file, a debate record from 'aragora ask --json' or the API, or an .odr.json file.")
        var file: String

        @Option(help: "The Ed25519 public key the receipt must be signed with: hex, base64, or a file (PEM, DER, raw, hex, base64).")
        var publicKey: String?

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                Terminal.errorLine("error: cannot read \(file)")
                throw CLIExit(code: 2)
            }
            var key: Curve25519.Signing.PublicKey?
            if let publicKey {
                do { key = try ReceiptCommand.loadKey(publicKey) } catch {
                    Terminal.errorLine("error: --public-key: \(error)")
                    throw CLIExit(code: 2)
                }
            }
            if let doc = JSONValue.parse(data), OpenDecisionReceiptVerifier.isODR(doc) {
                return try verifyODR(doc, key: key)
            }
            let receipt: Receipt
            do { receipt = try ReceiptVerifier.load(data) } catch {
                Terminal.errorLine("error: \(file): \(error)")
                throw CLIExit(code: 2)
            }
            let term = Terminal()
            if let problem = ReceiptVerifier.problem(with: receipt, trustedKeyHex: key.map { $0.rawRepresentation.hexString }) {
                print(json ? JSONValue.object(["ok": false, "problem": .string("\(problem)")]).serialized() : term.red("✗ receipt INVALID: \(problem)"))
                throw CLIExit(code: 1)
            }
            let id = receipt.payload["debate_id"]?.stringValue ?? "?"
            print(json ? JSONValue.object(["ok": true, "debate_id": .string(id), "digest": .string(receipt.digest)]).serialized()
                  : term.green("✓ receipt valid") + ": debate \(id), sha256 \(receipt.digest), signed by ed25519 key \(receipt.publicKey)")
        }

        func verifyODR(_ doc: JSONValue, key: Curve25519.Signing.PublicKey?) throws {
            let result = OpenDecisionReceiptVerifier.verify(doc, publicKey: key)
            if json {
                print(JSONValue.object([
                    "ok": .bool(result.ok), "authenticity_unverified": .bool(result.authenticityUnverified),
                    "receipt_id": .string(result.receiptID), "odr_digest": .string(result.digest), "exit_code": .int(Int(result.exitCode)),
                    "checks": .array(result.checks.map { ["name": .string($0.name), "status": .string($0.status.rawValue), "detail": .string($0.detail)] }),
                ]).prettySerialized())
            } else {
                let term = Terminal()
                let verdict = !result.ok ? term.red("✗ Open Decision Receipt INVALID")
                    : result.authenticityUnverified ? term.yellow("? Open Decision Receipt UNVERIFIED (no --public-key: the signature was not checked)")
                    : term.green("✓ Open Decision Receipt valid")
                print("\(verdict): \(result.receiptID.isEmpty ? "?" : result.receiptID)")
                for check in result.checks {
                    print("  [\(check.status.rawValue.uppercased())] \(check.name): \(check.detail)")
                }
            }
            if result.exitCode != 0 { throw CLIExit(code: result.exitCode) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a finished debate's receipt: ours, or (--odr) an Open Decision Receipt signed with this installation's receipt key.",
            discussion: """
                ID is a debate in the store (DATABASE_URL, or the local SQLite file); a FILE holding a debate record \
                ('aragora ask --json', GET /api/debates/ID) works too. The ODR is what 'aragora-verify FILE --pubkey KEY' \
                checks; 'aragora receipt key --pem' prints KEY. Exit status 1 when the debate has no receipt or its record no \
                longer matches it, 2 when the debate or file cannot be found or read.
                """)

        @Argument(help: "A debate id, or a file holding a debate record.")
        var debate: String

        @Flag(help: "Export an Open Decision Receipt (ODR v0.2); the same as --format odr.")
        var odr = false

        @Option(help: "native (our receipt) or odr.")
        var format: String = "native"

        @Option(name: [.short, .long], help: "Write to this file instead of standard output.")
        var out: String?

        func run() async throws {
            guard format == "native" || format == "odr" else {
                Terminal.errorLine("error: --format must be native or odr")
                throw CLIExit(code: 2)
            }
            let config = try await ConfigurationLoader.load()
            let record = try await load(config)
            guard let receipt = record.receipt else {
                Terminal.errorLine("error: debate \(record.id) has no receipt yet (status \(record.status.rawValue))")
                throw CLIExit(code: 1)
            }
            var text = JSONValue(shape: receipt).prettySerialized()
            if odr || format == "odr" {
                let signer = try ReceiptCommand.signer(config)
                do { text = try signer.signODR(record).prettySerialized() } catch let error as OpenDecisionReceipt.ExportError {
                    Terminal.errorLine("error: debate \(record.id): \(error)")
                    throw CLIExit(code: 1)
                }
            }
            guard let out else { return print(text) }
            do { try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                Terminal.errorLine("error: cannot write \(out): \(error.localizedDescription)")
                throw CLIExit(code: 2)
            }
            print("wrote \(out): \(odr || format == "odr" ? "Open Decision Receipt v\(OpenDecisionReceipt.version)" : "receipt") of debate \(record.id)")
        }

        func load(_ config: ServerConfiguration) async throws -> DebateRecord {
            if FileManager.default.fileExists(atPath: debate) {
                guard let data = FileManager.default.contents(atPath: debate), let record = try? DebateRecord.decode(data) else {
                    Terminal.errorLine("error: \(debate) does not hold a debate record (from 'aragora ask --json' or GET /api/debates/ID)")
                    throw CLIExit(code: 2)
                }
                return record
            }
            guard DebateID.isValid(debate) else {
                Terminal.errorLine("error: \(debate) is neither a file nor a debate id")
                throw CLIExit(code: 2)
            }
            let store: any DebateStore
            do { store = try await config.database.open(logger: Logger(label: "aragora.receipt")) } catch {
                Terminal.errorLine("error: cannot open the store (\(config.database)): \(error)")
                throw CLIExit(code: 2)
            }
            let found = try? await store.record(id: debate)
            try? await store.close()
            guard let found else {
                Terminal.errorLine("error: no debate \(debate) in \(config.database)")
                throw CLIExit(code: 2)
            }
            return found
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the public key receipts are signed with (as GET /api/receipt-key does).",
            discussion: "Without options: the key id, hex and PEM. 'aragora receipt key --pem > key.pem' gives a file for 'aragora-verify --pubkey'.")

        @Flag(help: "Only the PEM.")
        var pem = false

        @Flag(help: "JSON: algorithm, key_id, public_key_hex, public_key_pem.")
        var json = false

        func run() async throws {
            let signer = try ReceiptCommand.signer(try await ConfigurationLoader.load())
            if pem { return print(signer.publicKeyPEM, terminator: "") }
            if json { return print(signer.publicKeyDocument.prettySerialized()) }
            print("algorithm  Ed25519\nkey_id     \(signer.keyID)\nhex        \(signer.publicKeyHex)\n\n\(signer.publicKeyPEM)", terminator: "")
        }
    }

    /// This installation's receipt key (`ARAGORA_RECEIPT_KEY`, else the data directory's), never created here: without
    /// one, or with one that cannot be read, the command ends (exit 1) saying so.
    static func signer(_ config: ServerConfiguration) throws -> ReceiptSigner {
        do {
            guard let existing = try ReceiptSigner.existing(environmentKey: config.receiptKey, directory: config.dataDirectory) else {
                Terminal.errorLine("error: no receipt key yet in \(config.dataDirectory.path) and ARAGORA_RECEIPT_KEY is not set "
                                   + "('aragora serve' or 'aragora ask' creates one on first use)")
                throw CLIExit(code: 1)
            }
            return existing
        } catch let error as ReceiptKeyError {
            Terminal.errorLine("error: the receipt key: \(error)")
            throw CLIExit(code: 1)
        }
    }

    /// A key given on the command line: a file holding one in any form, else the text itself (hex or base64).
    static func loadKey(_ text: String) throws -> Curve25519.Signing.PublicKey {
        if FileManager.default.fileExists(atPath: text), let data = FileManager.default.contents(atPath: text) {
            return try ReceiptPublicKey.parse(data)
        }
        return try ReceiptPublicKey.parse(Data(text.utf8))
    }
}
