import Crypto
import Foundation

/// A tamper-evident summary of a debate: the canonical JSON of its payload (question, agents, final
/// answers, votes, consensus and times), the SHA-256 digest of that JSON, and an Ed25519 signature of
/// the digest. Anyone with the public key can check it offline (`aragora receipt verify FILE`).
public struct Receipt: Sendable, Codable, Equatable {
    public static let algorithm = "ed25519-sha256"

    public var version: Int
    public var payload: JSONValue
    /// Lowercase hex SHA-256 of `payload.serialized()`.
    public var digest: String
    /// Base64 Ed25519 signature of the 32 digest bytes.
    public var signature: String
    /// Lowercase hex raw Ed25519 public key.
    public var publicKey: String
    public var algorithm: String

    enum CodingKeys: String, CodingKey {
        case version, payload, digest, signature, algorithm, publicKey = "public_key"
    }

    /// The receipt payload of a finished debate.
    public static func payload(of record: DebateRecord) -> JSONValue {
        let votes = record.votes.filter { $0.round == record.roundsUsed }
        var consensus: JSONValue = .null
        if let c = record.consensus {
            consensus = [
                "method": .string(c.method.rawValue), "reached": .bool(c.reached), "confidence": JSONValue(c.confidence),
                "final_answer": .string(c.finalAnswer), "winner": JSONValue(c.winner),
                "supporting_agents": JSONValue(c.supportingAgents), "dissenting_agents": JSONValue(c.dissentingAgents),
                // What the outcome rests on: valid votes of those asked for, and the quorum needed.
                "valid_votes": c.validVotes.map(JSONValue.int) ?? .null, "quorum": c.quorum.map(JSONValue.int) ?? .null,
                "votes_requested": record.roundSummaries.last { $0.round == record.roundsUsed }?.votes.map { .int($0.requested) } ?? .null,
            ]
        }
        return [
            "debate_id": .string(record.id),
            "question": .string(record.task),
            "status": .string(record.status.rawValue),
            "agents": .array(record.agents.map { ["name": .string($0.name), "provider": .string($0.provider), "model": .string($0.model)] }),
            "answers": .array(record.latestAnswers().map { ["agent": .string($0.agent), "content": .string($0.content)] }),
            "votes": .array(votes.map {
                ["agent": .string($0.agent), "choice": .string($0.choice), "confidence": .double($0.confidence)]
            }),
            "consensus": consensus,
            "rounds_used": .int(record.roundsUsed),
            "created_at": .double(record.createdAt),
            "started_at": record.startedAt.map(JSONValue.double) ?? .null,
            "completed_at": record.completedAt.map(JSONValue.double) ?? .null,
        ]
    }

    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).hexString
    }
}

/// Signs receipts with one Ed25519 key.
public struct ReceiptSigner: Sendable {
    let key: Curve25519.Signing.PrivateKey

    public init(rawKey: Data) throws {
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: rawKey)
    }

    public init() {
        key = Curve25519.Signing.PrivateKey()
    }

    public var publicKeyHex: String { key.publicKey.rawRepresentation.hexString }
    public var rawKey: Data { key.rawRepresentation }

    public func sign(_ record: DebateRecord) throws -> Receipt {
        let payload = Receipt.payload(of: record)
        let digestBytes = Data(SHA256.hash(data: Data(payload.serialized().utf8)))
        let signature = try key.signature(for: digestBytes)
        return Receipt(version: 1, payload: payload, digest: digestBytes.hexString,
                       signature: Data(signature).base64EncodedString(), publicKey: publicKeyHex,
                       algorithm: Receipt.algorithm)
    }

    /// The key from `ARAGORA_RECEIPT_KEY` (64 hex characters or base64 of 32 bytes), else the one kept in
    /// `directory/receipt_key` (created, mode 0600, on first use). An existing key file is never replaced: one
    /// that cannot be read as a key is an error, since every receipt signed before names the key it holds.
    public static func load(environmentKey: String?, directory: URL) throws -> ReceiptSigner {
        if let existing = try existing(environmentKey: environmentKey, directory: directory) { return existing }
        let signer = ReceiptSigner()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = keyFile(in: directory)
        // O_EXCL: if another process created the file meanwhile, its key is kept and used.
        let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd < 0 {
            if errno == EEXIST, let raced = try existing(environmentKey: nil, directory: directory) { return raced }
            throw ReceiptKeyError("cannot create the receipt key file \(file.path): \(String(cString: strerror(errno)))")
        }
        let text = Array((signer.rawKey.hexString + "\n").utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == text.count, synced else {
            try? FileManager.default.removeItem(at: file)
            throw ReceiptKeyError("cannot write the receipt key to \(file.path)")
        }
        return signer
    }

    /// The configured key without creating one: from `ARAGORA_RECEIPT_KEY`, else the key file; nil when neither
    /// exists yet. Throws, naming the variable or file, when the one in use is not a key (`aragora doctor` checks this).
    public static func existing(environmentKey: String?, directory: URL) throws -> ReceiptSigner? {
        if let text = environmentKey?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            guard let raw = Data(hex: text) ?? Data(base64Encoded: text), raw.count == 32 else {
                throw ReceiptKeyError("ARAGORA_RECEIPT_KEY must be 32 bytes as 64 hex characters or base64")
            }
            return try ReceiptSigner(rawKey: raw)
        }
        let file = keyFile(in: directory)
        var isDirectory: ObjCBool = false
        // A dangling symlink counts as existing too: never write through it.
        let linked = (try? FileManager.default.destinationOfSymbolicLink(atPath: file.path)) != nil
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) || linked else { return nil }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: file.path) else {
            throw ReceiptKeyError("\(file.path) exists but cannot be read: fix its permissions or restore it from a backup "
                                  + "(it is never replaced: earlier receipts name its key)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(hex: text), raw.count == 32 else {
            throw ReceiptKeyError("\(file.path) is not an Ed25519 key as 64 hex characters (it holds \(data.count) bytes): "
                                  + "restore it from a backup, or move it away to start a new key (it is never replaced: earlier receipts name its key)")
        }
        return try ReceiptSigner(rawKey: raw)
    }

    static func keyFile(in directory: URL) -> URL { directory.appendingPathComponent("receipt_key") }
}

public struct ReceiptKeyError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// Checks a receipt offline.
public enum ReceiptVerifier {
    public enum Problem: Equatable, CustomStringConvertible {
        case digestMismatch(expected: String, actual: String)
        case badSignature
        case unexpectedKey(String)
        case malformed(String)

        public var description: String {
            switch self {
            case .digestMismatch(let e, let a):
                return "the receipt's content was edited: its digest is \(e) but the content hashes to \(a)"
            case .badSignature: return "the signature does not match the digest and public key (the digest or signature was edited)"
            case .unexpectedKey(let k): return "signed by an unexpected key \(k)"
            case .malformed(let m): return "not a receipt: \(m)"
            }
        }
    }

    /// nil when the receipt is intact (and signed by `trustedKeyHex` when given).
    public static func problem(with receipt: Receipt, trustedKeyHex: String? = nil) -> Problem? {
        let actual = Receipt.sha256Hex(receipt.payload.serialized())
        guard actual == receipt.digest.lowercased() else { return .digestMismatch(expected: receipt.digest, actual: actual) }
        guard let keyBytes = Data(hex: receipt.publicKey),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else {
            return .malformed("public_key is not a hex Ed25519 key")
        }
        if let trusted = trustedKeyHex, trusted.lowercased() != receipt.publicKey.lowercased() {
            return .unexpectedKey(receipt.publicKey)
        }
        guard let sig = Data(base64Encoded: receipt.signature), let digest = Data(hex: receipt.digest),
              key.isValidSignature(sig, for: digest) else { return .badSignature }
        return nil
    }

    /// Reads a receipt file: a receipt, or a whole debate record with a `receipt` field.
    public static func load(_ data: Data) throws -> Receipt {
        let decoder = JSONDecoder()
        if let r = try? decoder.decode(Receipt.self, from: data) { return r }
        struct Wrapper: Decodable { var receipt: Receipt }
        do { return try decoder.decode(Wrapper.self, from: data).receipt } catch {
            throw ReceiptKeyError("no receipt found (expected a receipt or a debate record with a 'receipt' field)")
        }
    }
}

extension Sequence where Element == UInt8 {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Digest {
    var hexString: String { Array(self.makeIterator()).hexString }
}

extension Data {
    /// Decodes hex text; nil unless every character is a hex digit and the length is even.
    public init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(chars.count / 2)
        func val(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var i = 0
        while i < chars.count {
            guard let hi = val(chars[i]), let lo = val(chars[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self.init(bytes)
    }
}
