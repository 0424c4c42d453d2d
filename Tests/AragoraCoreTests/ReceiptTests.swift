import AragoraCore
import Foundation
import XCTest

final class ReceiptTests: XCTestCase {
    func signedRecord() async -> DebateRecord {
        let engine = DebateEngine(agents: demoPanel(), config: DebateConfig(rounds: 1, consensus: .majority, seed: 4),
                                  signer: ReceiptSigner())
        return await engine.run(engine.newRecord(id: "deb_receipt", question: "Is this receipt intact?"))
    }

    func testFreshReceiptVerifies() async throws {
        let r = await signedRecord()
        let receipt = try XCTUnwrap(r.receipt)
        XCTAssertNil(ReceiptVerifier.problem(with: receipt))
        XCTAssertEqual(receipt.payload["question"], "Is this receipt intact?")
        XCTAssertEqual(receipt.digest.count, 64)
    }

    func testReceiptSurvivesJSONRoundTripOfTheRecord() async throws {
        let r = await signedRecord()
        let decoded = try DebateRecord.decode(try r.jsonData())
        XCTAssertNil(ReceiptVerifier.problem(with: try XCTUnwrap(decoded.receipt)))
        XCTAssertEqual(decoded, r)
        XCTAssertNil(ReceiptVerifier.problem(with: try ReceiptVerifier.load(try r.jsonData())))
    }

    func testEditedContentIsDetected() async throws {
        let record = await signedRecord()
        var receipt = try XCTUnwrap(record.receipt)
        guard case .object(var payload) = receipt.payload else { return XCTFail() }
        payload["question"] = "Is this receipt forged?"
        receipt.payload = .object(payload)
        guard case .digestMismatch = ReceiptVerifier.problem(with: receipt) else { return XCTFail("edit not detected") }
    }

    func testReplacedDigestIsDetectedBySignature() async throws {
        let record = await signedRecord()
        var receipt = try XCTUnwrap(record.receipt)
        guard case .object(var payload) = receipt.payload else { return XCTFail() }
        payload["rounds_used"] = 9
        receipt.payload = .object(payload)
        receipt.digest = Receipt.sha256Hex(receipt.payload.serialized())
        XCTAssertEqual(ReceiptVerifier.problem(with: receipt), .badSignature)
    }

    func testUnexpectedKeyIsReported() async throws {
        let record = await signedRecord()
        let receipt = try XCTUnwrap(record.receipt)
        let other = ReceiptSigner().publicKeyHex
        XCTAssertEqual(ReceiptVerifier.problem(with: receipt, trustedKeyHex: other), .unexpectedKey(receipt.publicKey))
        XCTAssertNil(ReceiptVerifier.problem(with: receipt, trustedKeyHex: receipt.publicKey))
    }

    func testKeyIsKeptInTheDataDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try ReceiptSigner.load(environmentKey: nil, directory: dir)
        let second = try ReceiptSigner.load(environmentKey: nil, directory: dir)
        XCTAssertEqual(first.publicKeyHex, second.publicKeyHex)
        let attrs = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("receipt_key").path)
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let fromEnv = try ReceiptSigner.load(environmentKey: first.rawKey.hexString, directory: dir)
        XCTAssertEqual(fromEnv.publicKeyHex, first.publicKeyHex)
        XCTAssertThrowsError(try ReceiptSigner.load(environmentKey: "not-a-key", directory: dir))
    }

    /// A key file that cannot be read as a key (raw bytes instead of hex, a truncated file, a dangling link) is an
    /// error naming the file, and the file is left exactly as it was: earlier receipts name its key.
    func testAnUnreadableKeyFileIsRefusedAndNeverReplaced() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("receipt_key")
        let raw = Data((0..<32).map { UInt8(200 + $0 % 50) })  // 32 raw bytes, not valid UTF-8
        for contents in [raw, Data("abc123\n".utf8), Data()] {
            try contents.write(to: file)
            XCTAssertThrowsError(try ReceiptSigner.load(environmentKey: nil, directory: dir)) { error in
                XCTAssertTrue("\(error)".contains(file.path), "\(error)")
            }
            XCTAssertThrowsError(try ReceiptSigner.existing(environmentKey: nil, directory: dir))
            XCTAssertEqual(try Data(contentsOf: file), contents, "the key file is untouched")
        }
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: dir.appendingPathComponent("gone").path)
        XCTAssertThrowsError(try ReceiptSigner.load(environmentKey: nil, directory: dir))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("gone").path), "nothing written through the link")
        try FileManager.default.removeItem(at: file)
        XCTAssertNil(try ReceiptSigner.existing(environmentKey: nil, directory: dir), "no key yet: nothing created by a check")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))
    }

    func testCanonicalJSONIsStable() {
        let v: JSONValue = ["b": 1, "a": [true, .null, 1.5, "x\"y\n"], "c": ["z": 2.0]]
        XCTAssertEqual(v.serialized(), #"{"a":[true,null,1.5,"x\"y\n"],"b":1,"c":{"z":2}}"#)
        XCTAssertEqual(JSONValue.parse(v.serialized()), ["b": 1, "a": [true, .null, 1.5, "x\"y\n"], "c": ["z": 2]])
    }
}

final class TextSimilarityTests: XCTestCase {
    func testIdenticalAndDisjoint() {
        XCTAssertEqual(TextSimilarity.cosine("the monorepo plan", "the monorepo plan"), 1, accuracy: 1e-9)
        XCTAssertEqual(TextSimilarity.cosine("alpha beta", "gamma delta"), 0, accuracy: 1e-9)
        XCTAssertEqual(TextSimilarity.jaccard("a plan for us", "plan for them"), 2.0 / 4.0, accuracy: 1e-9)
    }

    func testSmallEditStaysHighLargeEditDrops() {
        let base = "Adopt the monorepo for new services first, measure build times, and migrate older code later."
        let small = base.replacingOccurrences(of: "later", with: "next")
        let large = "Keep separate repositories and invest in shared tooling for dependency updates instead."
        let s = TextSimilarity.pairwise([(base, small), (base, large)])
        XCTAssertGreaterThan(s[0], 0.85)
        XCTAssertLessThan(s[1], 0.40)
    }
}
