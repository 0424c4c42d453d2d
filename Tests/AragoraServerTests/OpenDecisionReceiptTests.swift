import AragoraTestSupport
import AragoraCore
import AragoraStore
import FoundationNetworking
import AragoraDebates
import AragoraServer
import Foundation
import HummingbirdTesting
import XCTest

/// Our Open Decision Receipts, checked by the original Aragora's own offline verifier, `aragora-verify` 0.2.0 from
/// PyPI (with its full JSON Schema check), as an auditor would run it: receipts exported by a real server and by the
/// command line pass it; edited ones fail it for the reason it states, and `aragora receipt verify` agrees on every
/// case. The canonical JSON under the signatures is checked against the verifier's own canonicaliser and against
/// ECMAScript's number printing (Node).
final class OpenDecisionReceiptTests: XCTestCase {
    struct Tools {
        var verify: String
        var python: String
        var node: String
    }

    func tools() throws -> Tools {
        let v = try TestServices.require("ARAGORA_TEST_ODR_VERIFY", "ARAGORA_TEST_ODR_PYTHON", "ARAGORA_TEST_NODE")
        return Tools(verify: v[0], python: v[1], node: v[2])
    }

    struct Run {
        var status: Int32
        var out: String
        var err: String
    }

    /// Runs a tool to its end; stderr goes to a file, so neither pipe can fill while the other is read.
    func run(_ tool: String, _ args: [String], env: [String: String] = [:], stdin: Data? = nil) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let log = scratch.appendingPathComponent("stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let out = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: log)
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        while p.isRunning { usleep(10_000) }
        return Run(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self),
                   err: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    lazy var scratch: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-odr-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    override func tearDown() {
        try? FileManager.default.removeItem(at: scratch)
    }

    func write(_ data: Data, _ name: String) throws -> String {
        let file = scratch.appendingPathComponent(name)
        try data.write(to: file)
        return file.path
    }

    /// What a verifier concluded: its exit status and the checks that failed.
    struct Outcome: Equatable, CustomStringConvertible {
        var exit: Int32
        var failed: [String]
        var description: String { "exit \(exit), failed \(failed)" }
    }

    /// `aragora-verify FILE --pubkey KEY --json` and `aragora receipt verify FILE --public-key KEY --json`.
    func verifyWithBoth(_ file: String, key: String, _ t: Tools) throws -> (reference: Outcome, ours: Outcome, json: String) {
        func outcome(_ r: Run) -> Outcome {
            let checks = JSONValue.parse(r.out)?["checks"]?.arrayValue ?? []
            return Outcome(exit: r.status, failed: checks.filter { $0["status"] == "fail" }.compactMap { $0["name"]?.stringValue }.sorted())
        }
        let reference = try run(t.verify, [file, "--pubkey", key, "--json"])
        XCTAssertNotNil(JSONValue.parse(reference.out), "aragora-verify printed no JSON: \(reference.out) \(reference.err)")
        let ours = try run(try ServerProcess.binary().path, ["receipt", "verify", file, "--public-key", key, "--json"])
        return (outcome(reference), outcome(ours), reference.out)
    }

    // MARK: - A real server's receipts

    func get(_ port: Int, _ path: String) async throws -> (Int, Data) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// Polls until the debate ends; the deadline only catches a hang (a real model on a busy machine is slow).
    func waitForEnd(_ port: Int, _ id: String, seconds: Int = 900) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let (_, json) = try await HTTP.request(port: port, "GET", "/api/debates/\(id)")
            if let s = json["status"]?.stringValue.flatMap(DebateStatus.init(rawValue:)), s.isTerminal { return json }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("debate \(id) did not finish")
        throw CocoaError(.fileReadUnknown)
    }

    /// Demo agents, a mixed panel (demo agents and SmolLM2 on llama-cpp-python: two providers), a debate cancelled
    /// mid-way and one without consensus: each one's ODR, from `GET /api/debates/{id}/receipt?format=odr`, passes
    /// `aragora-verify --pubkey` with the key from `GET /api/receipt-key?format=pem`, and ours agrees.
    func testEveryKindOfDebateGivesAReceiptTheOriginalsVerifierAccepts() async throws {
        let t = try tools()
        let llama = try TestServices.require("ARAGORA_TEST_LLAMA_URL")[0]
        let (server, port) = try ServerProcess.start(try ServerProcess.binary(), dataDir: scratch.appendingPathComponent("data").path,
                                                     extra: ["OPENAI_COMPATIBLE_BASE_URL": llama, "ARAGORA_DEMO_LATENCY_MS": "100",
                                                             "ARAGORA_MAX_OUTPUT_TOKENS": "160", "ARAGORA_AGENT_TIMEOUT": "240"])
        defer { server.stopAndWait() }
        let (keyStatus, pem) = try await get(port, "/api/receipt-key?format=pem")
        XCTAssertEqual(keyStatus, 200)
        let key = try write(pem, "key.pem")

        let demo = try await HTTP.createDebate(port: port, body: #"{"question":"Should a team of five adopt a monorepo?","rounds":2}"#)
        let mixed = try await HTTP.createDebate(port: port, body: #"""
            {"question":"Tea or coffee for a night shift?","rounds":1,"consensus":"majority",
             "agents":["demo:skeptic","demo:visionary","openai-compatible:pragmatist"]}
            """#)
        let split = try await HTTP.createDebate(port: port, body: #"{"question":"Is a quorum of ten met by three?","rounds":1,"quorum":10,"consensus":"majority"}"#)
        let cancelled = try await HTTP.createDebate(port: port, body: #"{"question":"Cancel me mid-way?","rounds":5}"#)
        let started = ContinuousClock.now
        while try await HTTP.request(port: port, "GET", "/api/debates/\(cancelled)/messages").1["messages"]?.arrayValue?.isEmpty ?? true {
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(120), "the debate never spoke")
            try await Task.sleep(for: .milliseconds(20))
        }
        let (cancelStatus, _) = try await HTTP.request(port: port, "POST", "/api/debates/\(cancelled)/cancel")
        XCTAssertEqual(cancelStatus, 200)

        let expected: [String: (status: String, verdict: Set<String>)] = [
            demo: ("completed", ["consensus", "no_consensus"]), mixed: ("completed", ["consensus", "no_consensus"]),
            split: ("completed", ["no_consensus"]), cancelled: ("cancelled", ["cancelled"]),
        ]
        for (id, want) in expected {
            let record = try await waitForEnd(port, id)
            XCTAssertEqual(record["status"]?.stringValue, want.status, "\(id): \(record["error"] ?? .null)")
            let (status, body) = try await get(port, "/api/debates/\(id)/receipt?format=odr")
            XCTAssertEqual(status, 200, String(decoding: body, as: UTF8.self))
            let doc = try XCTUnwrap(JSONValue.parse(body))
            XCTAssertTrue(want.verdict.contains(doc["claim"]?["verdict"]?.stringValue ?? ""), "\(id): \(doc["claim"] ?? .null)")
            let file = try write(body, "\(id).odr.json")
            let (reference, ours, json) = try verifyWithBoth(file, key: key, t)
            XCTAssertEqual(reference, Outcome(exit: 0, failed: []), "\(record["task"] ?? .null): \(json)")
            XCTAssertEqual(ours, reference)
            print("aragora-verify on \(record["task"]?.stringValue ?? id): \(reference)")
            if id == demo { print(json) }
        }
        // What each receipt says, field by field, where the debates differ.
        let mixedDoc = JSONValue.parse(try await get(port, "/api/debates/\(mixed)/receipt?format=odr").1)
        XCTAssertEqual(mixedDoc?["quorum"]?["independence"]?["model_families"], ["demo", "openai-compatible"])
        XCTAssertEqual(mixedDoc?["quorum"]?["independence"]?["distinct_model_families"], 2)
        let splitDoc = JSONValue.parse(try await get(port, "/api/debates/\(split)/receipt?format=odr").1)
        XCTAssertEqual(splitDoc?["confidence"]?["status"], "absent", "no quorum, no confidence")
        XCTAssertEqual(splitDoc?["quorum"]?["reached"], false)
        let cancelledDoc = JSONValue.parse(try await get(port, "/api/debates/\(cancelled)/receipt?format=odr").1)
        XCTAssertEqual(cancelledDoc?["reasoning"]?["summary"]?.stringValue?.hasPrefix("cancelled"), true, "\(cancelledDoc?["reasoning"] ?? .null)")
    }

    /// One changed character in the answer, a swapped supporting agent, a signature by another key and a missing
    /// required member: `aragora-verify` exits 1 on each, naming the failed check, and ours fails the same checks.
    func testEditedReceiptsFailBothVerifiersForTheSameReason() async throws {
        let t = try tools()
        let (server, port) = try ServerProcess.start(try ServerProcess.binary(), dataDir: scratch.appendingPathComponent("data").path)
        defer { server.stopAndWait() }
        let key = try write(try await get(port, "/api/receipt-key?format=pem").1, "key.pem")
        let id = try await HTTP.createDebate(port: port, body: #"{"question":"Should we ship on Fridays?","rounds":1,"consensus":"majority"}"#)
        let record = try DebateRecord.decode(Data(try await waitForEnd(port, id).serialized().utf8))
        let (_, body) = try await get(port, "/api/debates/\(id)/receipt?format=odr")
        let doc = try XCTUnwrap(JSONValue.parse(body)?.objectValue)
        XCTAssertEqual(try verifyWithBoth(try write(body, "intact.json"), key: key, t).reference, Outcome(exit: 0, failed: []))

        func edit(_ path: [String], _ change: (JSONValue) -> JSONValue) -> [String: JSONValue] {
            func apply(_ v: JSONValue, _ rest: ArraySlice<String>) -> JSONValue {
                guard let head = rest.first, var o = v.objectValue else { return change(v) }
                o[head] = apply(o[head] ?? .null, rest.dropFirst())
                return .object(o)
            }
            return apply(.object(doc), path[...]).objectValue!
        }
        let statement = doc["claim"]!["statement"]!.stringValue!
        let participants = doc["quorum"]!["participants"]!.arrayValue!.compactMap { $0["agent"]?.stringValue }
        let supporting = doc["quorum"]!["supporting_agents"]!.arrayValue!.compactMap(\.stringValue)
        let outsider = participants.first { !supporting.contains($0) }
        var missing = doc
        missing["cruxes"] = nil
        var cases: [(String, [String: JSONValue], [String])] = [
            ("one changed character in the answer",
             edit(["claim", "statement"]) { _ in .string(String(statement.dropLast()) + (statement.last == "." ? "!" : ".")) }, ["signature"]),
            ("a supporting agent swapped for one who took no part",
             edit(["quorum", "supporting_agents"]) { _ in JSONValue(["demo-impostor"] + supporting.dropFirst()) }, ["quorum_consistency", "signature"]),
            ("a missing required member (cruxes)", missing, ["schema_conformance"]),
            ("a signature by another key", try ReceiptSigner().signODR(record).objectValue!, ["signature"]),
        ]
        if let outsider {
            cases.append(("a supporting agent swapped for another participant",
                          edit(["quorum", "supporting_agents"]) { _ in JSONValue([outsider] + supporting.dropFirst()) }, ["signature"]))
        }
        for (what, tampered, failing) in cases {
            let file = try write(Data(JSONValue.object(tampered).prettySerialized().utf8), "tampered-\(UUID().uuidString).json")
            let (reference, ours, json) = try verifyWithBoth(file, key: key, t)
            XCTAssertEqual(reference, Outcome(exit: 1, failed: failing), "\(what): \(json)")
            XCTAssertEqual(ours, reference, what)
            print("aragora-verify on \(what): \(reference)")
            if what.hasPrefix("one changed") { print(json) }
        }
    }

    // MARK: - The routes

    /// The key is public with auth on; a bad format is a 400; a running debate has no receipt (409); a record edited
    /// in the store after its receipt was signed is not exported (409 receipt_mismatch), and nothing changes.
    func testReceiptRoutesRefuseWhatTheyCannotVouchFor() async throws {
        try await withServer(["ARAGORA_API_TOKEN": "odr-secret", "ARAGORA_DEMO_LATENCY_MS": "100"]) { client, service in
            let json = try await client.json(.get, "/api/receipt-key")
            XCTAssertEqual(json.status, 200, "public: no token needed")
            XCTAssertEqual(json.json["key_id"]?.stringValue, service.debates.signer.keyID)
            XCTAssertEqual(json.json["public_key_hex"]?.stringValue, service.debates.signer.publicKeyHex)
            let pem = try await client.execute(uri: "/api/v1/receipt-key?format=pem", method: .get)
            XCTAssertEqual(pem.status, .ok)
            XCTAssertEqual(pem.headers[.contentType], "application/x-pem-file")
            XCTAssertEqual(try ReceiptPublicKey.parse(Data(String(buffer: pem.body).utf8)).rawRepresentation.hexString, service.debates.signer.publicKeyHex)
            let badKeyFormat = try await client.json(.get, "/api/receipt-key?format=der")
            XCTAssertEqual(badKeyFormat.status, 400)

            let token = TokenAuthenticator(secret: "odr-secret").mint(loopID: "admin", ttl: 600)
            let created = try await client.json(.post, "/api/debates", body: #"{"question":"Still running?","rounds":5}"#, token: token)
            let running = try XCTUnwrap(created.json["debate_id"]?.stringValue)
            let early = try await client.json(.get, "/api/debates/\(running)/receipt?format=odr", token: token)
            XCTAssertEqual(early.status, 409)
            XCTAssertEqual(early.json["code"], "not_finished")
            let unauthenticated = try await client.json(.get, "/api/debates/\(running)/receipt?format=odr")
            XCTAssertEqual(unauthenticated.status, 401, "a debate's receipt needs the token as the debate does")
            _ = try await client.json(.post, "/api/debates/\(running)/cancel", token: token)
            _ = try await client.waitForEnd(running, token: token, on: service)

            // A debate signed by this server's key, then edited in the store.
            let engine = DebateEngine(agents: DemoAgent.defaultPersonas.map { DemoAgent(name: "demo-\($0)", persona: $0) },
                                      config: DebateConfig(rounds: 1, consensus: .majority, seed: 2), signer: service.debates.signer)
            var record = await engine.run(engine.newRecord(id: "deb_edited_after", question: "Was this edited?"))
            record.consensus?.finalAnswer = "Something the panel never said."
            let lease = try await service.debates.store.create(record, owner: "test", leaseSeconds: 30)
            try await service.debates.store.save(record, progress: nil, events: [], lease: lease)
            let before = try await service.debates.store.recordJSON(id: record.id)
            let edited = try await client.json(.get, "/api/debates/\(record.id)/receipt?format=odr", token: token)
            XCTAssertEqual(edited.status, 409)
            XCTAssertEqual(edited.json["code"], "receipt_mismatch")
            XCTAssertTrue(edited.json["error"]?.stringValue?.contains("final answer differs") == true, "\(edited.json)")
            let after = try await service.debates.store.recordJSON(id: record.id)
            XCTAssertEqual(before, after)
            let badFormat = try await client.json(.get, "/api/debates/\(record.id)/receipt?format=xml", token: token)
            XCTAssertEqual(badFormat.status, 400)
            XCTAssertEqual(badFormat.json["details"]?["field"], "format")
            let native = try await client.json(.get, "/api/debates/\(record.id)/receipt?format=native", token: token)
            XCTAssertEqual(native.status, 200, "our own receipt is what was signed; it is still served")
        }
    }

    // MARK: - The command line

    /// `aragora ask`, then `aragora receipt export ID --odr -o FILE` and `aragora receipt key --pem`, as in the runbook:
    /// aragora-verify accepts the file; exporting from the record file gives the same bytes.
    func testTheCommandLineExportsReceiptsTheVerifierAccepts() throws {
        let t = try tools()
        let bin = try ServerProcess.binary().path
        let env = ["ARAGORA_DATA_DIR": scratch.appendingPathComponent("data").path]
        let ask = try run(bin, ["ask", "Is pair programming worth it?", "--rounds", "1", "--seed", "3", "--json"], env: env)
        XCTAssertEqual(ask.status, 0, ask.err)
        let id = try XCTUnwrap(JSONValue.parse(ask.out)?["id"]?.stringValue)
        let recordFile = try write(Data(ask.out.utf8), "record.json")
        let odrFile = scratch.appendingPathComponent("receipt.odr.json").path
        let export = try run(bin, ["receipt", "export", id, "--odr", "-o", odrFile], env: env)
        XCTAssertEqual(export.status, 0, export.err)
        XCTAssertEqual(export.out, "wrote \(odrFile): Open Decision Receipt v0.2 of debate \(id)\n")
        let key = try run(bin, ["receipt", "key", "--pem"], env: env)
        XCTAssertTrue(key.out.hasPrefix("-----BEGIN PUBLIC KEY-----"), key.out + key.err)
        let keyFile = try write(Data(key.out.utf8), "key.pem")
        let verified = try run(t.verify, [odrFile, "--pubkey", keyFile])
        XCTAssertEqual(verified.status, 0, verified.out)
        XCTAssertTrue(verified.out.contains("VERIFIED"), verified.out)
        // Without the key: well-formed, signature unchecked (3) in both.
        XCTAssertEqual(try run(t.verify, [odrFile]).status, 3)
        XCTAssertEqual(try run(bin, ["receipt", "verify", odrFile]).status, 3)
        // The hex form of the key, given inline to ours and as a file to theirs.
        let hex = try XCTUnwrap(JSONValue.parse(try run(bin, ["receipt", "key", "--json"], env: env).out)?["public_key_hex"]?.stringValue)
        XCTAssertEqual(try run(bin, ["receipt", "verify", odrFile, "--public-key", hex]).status, 0)
        XCTAssertEqual(try run(t.verify, [odrFile, "--pubkey", try write(Data(hex.utf8), "key.hex")]).status, 0)
        // From the record file, stdout: the same receipt (same record, same key, deterministic signature).
        let fromFile = try run(bin, ["receipt", "export", recordFile, "--format", "odr"], env: env)
        XCTAssertEqual(fromFile.status, 0, fromFile.err)
        XCTAssertEqual(JSONValue.parse(fromFile.out), JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: odrFile))))
        // Errors: an unknown debate (2), a file that is no record (2), no key (1).
        XCTAssertEqual(try run(bin, ["receipt", "export", "deb_nosuchdebate", "--odr"], env: env).status, 2)
        XCTAssertEqual(try run(bin, ["receipt", "export", keyFile, "--odr"], env: env).status, 2)
        let noKey = try run(bin, ["receipt", "key"], env: ["ARAGORA_DATA_DIR": scratch.appendingPathComponent("empty").path])
        XCTAssertEqual(noKey.status, 1)
        XCTAssertTrue(noKey.err.contains("no receipt key yet"), noKey.err)
    }

    // MARK: - Canonical JSON against the references

    /// Awkward values canonicalised by us and by `aragora_verify.jcs` (the bytes its digests are taken over):
    /// identical bytes, so identical digests.
    func testCanonicalBytesEqualTheVerifiersOwnOnAwkwardValues() throws {
        let t = try tools()
        let documents = [
            #"{"n":[1e-05,2.5e+20,-0,-0.0,9007199254740993,1e21,1E-7,0.1,123456789012345680000,5e-324,1.7976931348623157e308,-1.5,100.0]}"#,
            #"{"s":"\u0000\u0001\b\f\n\r\t\u001f\u007f \"\\/ é € 😀 \ud83d\ude02 \u2028\u2029 \ufeff"}"#,
            #"{"😀":1,"\ufb33":2,"€":3,"a":4,"B":5,"":6,"\u0080":7,"\r":8,"aa":9,"a\u0000":10,"ä":{"z":[],"y":{},"x":[null,true,false]}}"#,
            #"[{"confidence":0.7142857142857143,"severity":7.0,"share":0.30000000000000004,"votes":3}]"#,
        ]
        let script = """
            import json, sys, hashlib
            from aragora_verify.jcs import jcs_canonicalize
            for line in sys.stdin.read().splitlines():
                print(jcs_canonicalize(json.loads(line)).hex())
            """
        let reference = try run(t.python, ["-c", script], stdin: Data(documents.joined(separator: "\n").utf8))
        XCTAssertEqual(reference.status, 0, reference.err)
        let theirs = reference.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(theirs.count, documents.count)
        for (doc, hex) in zip(documents, theirs) {
            let ours = try CanonicalJSON.bytes(try XCTUnwrap(JSONValue.parse(doc), doc))
            XCTAssertEqual(ours.hexString, hex, "\(doc)\n ours:   \(String(decoding: ours, as: UTF8.self))\n theirs: \(String(decoding: Data(hex: hex) ?? Data(), as: UTF8.self))")
        }
    }

    /// 20,000 doubles (random bit patterns across every exponent, and random short decimals) printed by Node's
    /// `String(x)`, ECMAScript's Number::toString itself, and by `CanonicalJSON.number`: identical.
    func testNumbersAreWhatECMAScriptPrints() throws {
        let t = try tools()
        var rng = SystemRandomNumberGenerator()
        var values: [Double] = []
        while values.count < 10_000 {
            let d = Double(bitPattern: rng.next())
            if d.isFinite { values.append(d) }
        }
        for _ in 0..<10_000 {
            let digits = Int.random(in: 1...17, using: &rng)
            let mantissa = Double(UInt64.random(in: 0..<UInt64(pow(10, Double(min(digits, 15)))), using: &rng))
            values.append(mantissa * pow(10, Double(Int.random(in: -30...30, using: &rng))) * (Bool.random() ? 1 : -1))
        }
        let input = values.map { String($0.bitPattern, radix: 16) }.joined(separator: "\n")
        let script = """
            const lines = require('fs').readFileSync(0, 'utf8').trim().split('\\n');
            const b = Buffer.alloc(8);
            console.log(lines.map((h) => { b.writeBigUInt64BE(BigInt('0x' + h)); return String(b.readDoubleBE(0)); }).join('\\n'));
            """
        let node = try run(t.node, ["-e", script], stdin: Data(input.utf8))
        XCTAssertEqual(node.status, 0, node.err)
        let expected = node.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, values.count)
        var mismatches: [String] = []
        for (d, want) in zip(values, expected) {
            let got = try CanonicalJSON.number(d)
            if got != want { mismatches.append("\(String(d.bitPattern, radix: 16)): ours \(got), ECMAScript \(want)") }
        }
        XCTAssertEqual(mismatches.count, 0, mismatches.prefix(10).joined(separator: "\n"))
    }
}
