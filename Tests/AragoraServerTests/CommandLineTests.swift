import AragoraTestSupport
import AragoraDebates
import AragoraCore
import AragoraServer
import Foundation
import Logging
import AragoraStore
import SQLiteNIO
import XCTest

/// `aragora` as a user runs it: exit codes, `--json`, recording in the store, receipts.
final class CommandLineTests: XCTestCase {
    struct Run {
        var status: Int32
        var out: String
        var err: String
    }

    func aragora(_ args: [String], env: [String: String] = [:], dataDir: String) throws -> Run {
        let out = Pipe(), err = Pipe()
        let p = try launch(args, env: env, dataDir: dataDir, stdout: out, stderr: err)
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }

    /// Starts `aragora ARGS` on `dataDir` without waiting for it: for tests that signal it or read it as it runs.
    func launch(_ args: [String], env: [String: String] = [:], dataDir: String, stdin: Pipe? = nil,
                stdout: Any = FileHandle.nullDevice, stderr: Any) throws -> Process {
        let p = Process()
        p.executableURL = try ServerProcess.binary()
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["ARAGORA_DATA_DIR"] = dataDir
        environment.merge(env) { _, b in b }
        p.environment = environment
        if let stdin { p.standardInput = stdin }
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        return p
    }

    /// A file for a launched process's stderr, read after it exits (it cannot fill a pipe meanwhile).
    func errorLog(in dir: String) throws -> FileHandle {
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        return try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
    }

    func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("aragora-cli-\(UUID().uuidString)").path
    }

    func testJSONOutputIsTheRecordAndItsReceiptVerifies() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try aragora(["ask", "Is TDD worth it?", "--seed", "7", "--rounds", "1", "--json"], dataDir: dir)
        XCTAssertEqual(run.status, 0, run.err)
        let record = try DebateRecord.decode(Data(run.out.utf8))
        XCTAssertEqual(record.status, .completed)
        XCTAssertEqual(record.task, "Is TDD worth it?")
        XCTAssertNotNil(record.receipt)
        let file = dir + "/debate.json"
        try run.out.write(toFile: file, atomically: true, encoding: .utf8)
        let verify = try aragora(["receipt", "verify", file], dataDir: dir)
        XCTAssertEqual(verify.status, 0, verify.out + verify.err)
        XCTAssertTrue(verify.out.contains("receipt valid"), verify.out)
        // Recorded in the local store: the service and `db status` see it.
        let status = try aragora(["db", "status"], dataDir: dir)
        XCTAssertEqual(status.status, 0, status.err)
        XCTAssertTrue(status.out.contains("pending:  none"), status.out)
    }

    /// `ARAGORA_USE_SECRETS_MANAGER=true` against moto: `aragora token` signs with the secret's ARAGORA_API_TOKEN;
    /// a production start whose secret is missing stops with one line naming it, and exit 78.
    func testCommandsReadTheirConfigurationFromSecretsManager() throws {
        let env = ProcessInfo.processInfo.environment
        guard let moto = env["ARAGORA_TEST_MOTO_URL"] else {
            return try TestServices.skipOrFail("moto not started: eval \"$(scripts/test-services.sh)\"")
        }
        let aws = ["ARAGORA_USE_SECRETS_MANAGER": "true", "ARAGORA_SECRET_NAME": "aragora/test", "AWS_REGION": "us-east-1",
                   "AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": env["ARAGORA_TEST_MOTO_KEY_ID"] ?? "",
                   "AWS_SECRET_ACCESS_KEY": env["ARAGORA_TEST_MOTO_SECRET_KEY"] ?? "", "ARAGORA_API_TOKEN": ""]
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var unset = aws
        unset.removeValue(forKey: "ARAGORA_API_TOKEN")
        let token = try aragora(["token", "--ttl", "60"], env: unset, dataDir: dir)
        XCTAssertEqual(token.status, 0, token.err)
        let parts = token.out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":")
        XCTAssertEqual(parts.count, 3)
        let minted = token.out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try TokenAuthenticator(secret: "from-the-secret").validate(minted).get(), "admin", "signed with the secret's key")
        let missing = try aragora(["serve", "--port", "0"], env: unset.merging(["ARAGORA_SECRET_NAME": "aragora/missing", "ARAGORA_ENV": "production"]) { $1 },
                                  dataDir: dir)
        XCTAssertEqual(missing.status, 78)
        XCTAssertEqual(missing.err.split(separator: "\n").count, 1, missing.err)
        XCTAssertTrue(missing.err.contains("secret 'aragora/missing' not found in us-east-1"), missing.err)
    }

    /// `aragora doctor`: every check on its own line; exit 0 when the essentials hold, 1 with the fix when not.
    func testDoctorSaysWhatIsWrongAndHowToFixIt() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try aragora(["db", "migrate"], dataDir: dir)
        let healthy = try aragora(["doctor"], dataDir: dir)
        XCTAssertEqual(healthy.status, 0, healthy.out + healthy.err)
        XCTAssertTrue(healthy.out.contains("ok    database: sqlite"), healthy.out)
        XCTAssertTrue(healthy.out.contains("ok    schema: version"), healthy.out)
        XCTAssertTrue(healthy.out.hasSuffix("ready to serve\n"), healthy.out)
        let broken = try aragora(["doctor"], env: ["DATABASE_URL": "postgres://nobody:pw@127.0.0.1:1/none?sslmode=disable",
                                                   "ARAGORA_DB_TIMEOUT": "1"], dataDir: dir)
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.out.contains("FAIL  database:"), broken.out)
        XCTAssertTrue(broken.out.contains("fix: "), broken.out)
        XCTAssertFalse(broken.out.contains(":pw@"), "no password in the report")
    }

    /// `aragora doctor` checks the receipt key as `serve` loads it: a key file `serve` would refuse fails the check,
    /// and neither command replaces it.
    func testDoctorAndServeRefuseAnUnreadableReceiptKey() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let keyFile = dir + "/receipt_key"
        let raw = Data((0..<32).map { UInt8(200 + $0 % 50) })
        try raw.write(to: URL(fileURLWithPath: keyFile))
        let doctor = try aragora(["doctor"], dataDir: dir)
        XCTAssertEqual(doctor.status, 1, doctor.out)
        XCTAssertTrue(doctor.out.contains("FAIL  receipt key: \(keyFile) is not an Ed25519 key"), doctor.out)
        let ask = try aragora(["ask", "Key?", "--rounds", "1", "--quiet"], dataDir: dir)
        XCTAssertNotEqual(ask.status, 0)
        XCTAssertTrue(ask.err.contains("receipt_key"), ask.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: keyFile)), raw, "the key file is untouched")
        let badEnv = try aragora(["doctor"], env: ["ARAGORA_RECEIPT_KEY": "short"], dataDir: dir)
        XCTAssertTrue(badEnv.out.contains("FAIL  receipt key: ARAGORA_RECEIPT_KEY must be 32 bytes"), badEnv.out)
    }

    /// `aragora backup` then `aragora restore` into an empty database gives back every debate, byte for byte: on
    /// SQLite (an online copy) and on PostgreSQL (pg_dump / pg_restore).
    func testBackupAndRestoreRoundTrip() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func records(_ env: [String: String], _ dataDir: String) async throws -> [String: String] {
            var environment = ["ARAGORA_DATA_DIR": dataDir]
            environment.merge(env) { $1 }
            let config = try ServerConfiguration(environment: environment)
            let store = try await config.database.open(logger: Logger(label: "test"))
            defer { Task { try? await store.close() } }
            var out: [String: String] = [:]
            for item in try await store.list(limit: 100, offset: 0, status: nil).items {
                out[item.id] = String(decoding: try await store.recordJSON(id: item.id) ?? [], as: UTF8.self)
            }
            return out
        }
        var targets: [(String, [String: String], [String: String])] = [("sqlite", [:], [:])]
        if let admin = ProcessInfo.processInfo.environment["ARAGORA_TEST_POSTGRES_URL"] {
            let a = try TestServices.freshDatabase(admin), b = try TestServices.freshDatabase(admin)
            targets.append(("postgres", ["DATABASE_URL": a], ["DATABASE_URL": b]))
        } else {
            try TestServices.skipOrFail("PostgreSQL not started: eval \"$(scripts/test-services.sh)\"")
        }
        for (name, source, target) in targets {
            let from = dir + "/\(name)-from", to = dir + "/\(name)-to", file = dir + "/\(name).backup"
            for seed in 1...2 {
                let r = try aragora(["ask", "--seed", "\(seed)", "--quiet", "Back me up \(seed)?"], env: source, dataDir: from)
                XCTAssertEqual(r.status, 0, r.err)
            }
            let backup = try aragora(["backup", file], env: source, dataDir: from)
            XCTAssertEqual(backup.status, 0, backup.err)
            XCTAssertEqual(try aragora(["db", "migrate"], env: target, dataDir: to).status, 0)
            let refused = try aragora(["restore", file], env: target, dataDir: to)
            XCTAssertEqual(refused.status, 2, "restore asks for --yes")
            let restore = try aragora(["restore", file, "--yes"], env: target, dataDir: to)
            XCTAssertEqual(restore.status, 0, restore.err)
            let before = try await records(source, from), after = try await records(target, to)
            XCTAssertEqual(before.count, 2, name)
            XCTAssertEqual(after, before, "\(name): every debate back, byte for byte")
        }
    }

    /// A backup never writes through a symlink (dangling or not) or over a file named as a `file:` URI; a restore
    /// takes only what `aragora backup` writes: a file with a trigger, a view or an extra table, one failing the
    /// integrity check, or one with an undecodable record is refused and the database is left as it was.
    func testBackupsAndRestoresRefuseHostileFiles() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/source"
        XCTAssertEqual(try aragora(["ask", "--seed", "3", "--quiet", "Keep me?"], dataDir: source).status, 0)
        // Through a dangling symlink: refused, nothing created at its target.
        let victim = dir + "/victim.txt"
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.backup", withDestinationPath: victim)
        let linked = try aragora(["backup", dir + "/link.backup"], dataDir: source)
        XCTAssertEqual(linked.status, 1, linked.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: victim), "nothing written through the link")
        // A file: URI naming an existing file: taken as a (new) relative path, the existing file untouched.
        let existing = dir + "/existing.db"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: existing))
        let uri = try aragora(["backup", "file:\(existing)?mode=rwc"], dataDir: source)
        XCTAssertEqual(try String(contentsOfFile: existing, encoding: .utf8), "precious", uri.out + uri.err)
        let good = dir + "/good.backup"
        XCTAssertEqual(try aragora(["backup", good], dataDir: source).status, 0)

        let target = dir + "/target"
        XCTAssertEqual(try aragora(["ask", "--seed", "5", "--quiet", "Already here?"], dataDir: target).status, 0)
        let dbFile = target + "/aragora.sqlite"
        func targetDebates() async throws -> [String] {
            let store = try await SQLiteDebateStore.open(path: dbFile)
            let items = try await store.list(limit: 10, offset: 0, status: nil).items.map(\.task)
            try await store.close()
            return items
        }
        let before = try await targetDebates()
        // Hostile copies of the good backup, each changed one way with the sqlite3 shell's SQL through SQLiteNIO.
        let hostile: [(String, String)] = [
            ("trigger", "CREATE TRIGGER rewrite AFTER UPDATE ON debates BEGIN UPDATE debates SET task = 'owned' WHERE id = NEW.id; END"),
            ("view", "CREATE VIEW everything AS SELECT * FROM debate_events"),
            ("table", "CREATE TABLE exfiltrated (body TEXT)"),
            ("record", "UPDATE debates SET record = '{\"id\": broken'"),
        ]
        for (name, sql) in hostile {
            let file = dir + "/\(name).backup"
            try FileManager.default.copyItem(atPath: good, toPath: file)
            let connection = try await SQLiteConnection.open(storage: .file(path: file))
            _ = try await connection.query(sql)
            try await connection.close()
            let r = try aragora(["restore", file, "--yes"], dataDir: target)
            XCTAssertEqual(r.status, 1, "\(name): \(r.out)")
            XCTAssertTrue(r.err.contains("was not restored"), "\(name): \(r.err)")
            let after = try await targetDebates()
            XCTAssertEqual(after, before, "\(name): the database is unchanged")
        }
        // A file whose pages are damaged fails the integrity check (or cannot be opened at all).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        for i in stride(from: 4096, to: min(bytes.count, 12_288), by: 7) { bytes[i] = 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: dir + "/damaged.backup"))
        XCTAssertEqual(try aragora(["restore", dir + "/damaged.backup", "--yes"], dataDir: target).status, 1)
        let afterDamaged = try await targetDebates()
        XCTAssertEqual(afterDamaged, before)
        let restored = try aragora(["restore", good, "--yes"], dataDir: target)
        XCTAssertEqual(restored.status, 0, restored.err)
        let afterGood = try await targetDebates()
        XCTAssertEqual(afterGood, ["Keep me?"])
    }

    /// A record damaged in the store answers a JSON error, never invalid JSON.
    func testACorruptStoredRecordAnswersAJSONError() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try aragora(["ask", "--seed", "2", "--quiet", "Damaged?"], dataDir: dir).status, 0)
        let connection = try await SQLiteConnection.open(storage: .file(path: dir + "/aragora.sqlite"))
        let id = try await connection.query("SELECT id FROM debates").first?.column("id")?.string ?? ""
        _ = try await connection.query("UPDATE debates SET record = substr(record, 1, 40)")
        try await connection.close()
        let (server, port) = try ServerProcess.start(try ServerProcess.binary(), dataDir: dir)
        defer { server.stopAndWait() }
        let (status, json) = try await HTTP.request(port: port, "GET", "/api/debates/\(id)")
        XCTAssertEqual(status, 500)
        XCTAssertEqual(json["code"], "stored_data_unreadable", "\(json)")
    }

    /// `aragora debates [--active]` reads the store: every debate, or only the unfinished ones with their instance.
    func testDebatesListsTheStore() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try aragora(["ask", "--seed", "4", "--quiet", "Listed?"], dataDir: dir).status, 0)
        let all = try aragora(["debates", "--json"], dataDir: dir)
        XCTAssertEqual(all.status, 0, all.err)
        let listed = JSONValue.parse(all.out)
        XCTAssertEqual(listed?["total"], 1)
        XCTAssertEqual(listed?["debates"]?.arrayValue?.first?["status"], "completed")
        XCTAssertEqual(listed?["debates"]?.arrayValue?.first?["agents"]?.arrayValue?.count, 3)
        let active = try aragora(["debates", "--active"], dataDir: dir)
        XCTAssertEqual(active.out, "0 active debates\n")
    }

    /// `aragora agents`: the default panel names each agent's model as it will run, and the table's columns line up
    /// whatever a provider lacks.
    func testAgentsListsTheDefaultPanelWithItsModels() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let local = try aragora(["agents"], env: ["OPENAI_COMPATIBLE_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_COMPATIBLE_MODEL": "smol"],
                                dataDir: dir)
        XCTAssertTrue(local.out.contains("default panel: openai-compatible|smol|skeptic, openai-compatible|smol|pragmatist"), local.out)
        let demo = try aragora(["agents"], dataDir: dir)
        XCTAssertTrue(demo.out.contains("default panel: demo:skeptic, demo:pragmatist, demo:visionary"), demo.out)
        for run in [local, demo] {
            let rows = run.out.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }.map(String.init)
            let header = try XCTUnwrap(rows.first)
            let starts = ["STATUS", "DEFAULT MODEL", "IN $/MTOK"].map { header.range(of: $0)!.lowerBound.utf16Offset(in: header) }
            for row in rows.dropFirst() {
                for start in starts {
                    let i = row.index(row.startIndex, offsetBy: start)
                    XCTAssertTrue(row[row.index(before: i)] == " " && row[i] != " ", "column at \(start) in '\(row)'")
                }
                XCTAssertFalse(row.hasSuffix(" "))
            }
        }
    }

    func testBadUsageExitsTwoWithOneLine() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (args, message) in [(["ask", "   "], "question is empty"), (["ask", "q", "--rounds", "99"], "rounds must be between 1 and 12"),
                                (["ask", "q", "--agents", "anthropic-api,demo"], "no credentials configured for anthropic-api"),
                                (["ask", "q", "--consensus", "loudest"], "unknown --consensus")] {
            let run = try aragora(args, dataDir: dir)
            XCTAssertEqual(run.status, 2, "\(args): \(run.err)")
            XCTAssertTrue(run.err.contains(message), "\(args): \(run.err)")
            XCTAssertEqual(run.err.split(separator: "\n").count, 1, "one line: \(run.err)")
        }
        let bad = try aragora(["serve"], env: ["ARAGORA_PORT": "http"], dataDir: dir)
        XCTAssertEqual(bad.status, 78, "configuration errors exit 78: \(bad.err)")
    }

    /// A database path that cannot be used is one clear line, not a crash or a raw error dump.
    func testAnUnusableDatabasePathSaysSoInOneLine() throws {
        let dir = tempDir()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let notADirectory = dir + "/plain-file"
        try "x".write(toFile: notADirectory, atomically: true, encoding: .utf8)
        for args in [["db", "status"], ["serve", "--port", "0"]] {
            let run = try aragora(args, env: ["DATABASE_URL": "sqlite:\(notADirectory)/a.sqlite"], dataDir: dir)
            XCTAssertEqual(run.status, 1, "\(args): \(run.err)")
            XCTAssertTrue(run.err.contains("cannot create the database's directory \(notADirectory)"), "\(args): \(run.err)")
            XCTAssertEqual(run.err.split(separator: "\n").count, 1, "\(args): \(run.err)")
        }
    }

    func testADebateThatFailsExitsOne() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Agents slower than the per-call timeout: every first answer fails, the debate ends in error.
        let run = try aragora(["ask", "Too slow?", "--timeout", "0.2", "--no-save", "--quiet"],
                              env: ["ARAGORA_DEMO_LATENCY_MS": "1000"], dataDir: dir)
        XCTAssertEqual(run.status, 1, run.out + run.err)
        XCTAssertTrue(run.out.contains("error"), run.out)
    }

    /// `ARAGORA_AGENT_TIMEOUT` is the default of `--timeout`, as it is for the service; a budget stop has its own exit
    /// status (3), apart from Ctrl-C's 130.
    func testTheAgentTimeoutVariableAndABudgetStop() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let slow = try aragora(["ask", "Too slow?", "--no-save", "--quiet", "--json"],
                               env: ["ARAGORA_DEMO_LATENCY_MS": "3000", "ARAGORA_AGENT_TIMEOUT": "1"], dataDir: dir)
        XCTAssertEqual(slow.status, 1, slow.err)
        XCTAssertEqual(JSONValue.parse(slow.out)?["failures"]?.arrayValue?.first?["kind"], "timeout", slow.out)
        let budget = try aragora(["ask", "Too dear?", "--budget", "0", "--no-save", "--json"], dataDir: dir)
        XCTAssertEqual(budget.status, 3, budget.err)
        XCTAssertEqual(JSONValue.parse(budget.out)?["metadata"]?["stop_reason"], "budget", budget.out)
    }

    /// Every variable is read one way (`EnvironmentReader`): a boolean, a provider's context size or the Secrets
    /// Manager switch that does not parse stops the command with one line naming it (exit 78), never a silent default.
    func testAnUnreadableVariableIsNamed() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, value, expected) in [("ARAGORA_DISABLE_ALL_RATE_LIMITS", "maybe", "must be true or false"),
                                        ("ARAGORA_USE_SECRETS_MANAGER", "perhaps", "must be true or false"),
                                        ("OLLAMA_CONTEXT_TOKENS", "8k", "must be an integer")] {
            let run = try aragora(["ask", "Read?", "--no-save", "--quiet"], env: [name: value], dataDir: dir)
            XCTAssertEqual(run.status, 78, "\(name): \(run.err)")
            XCTAssertTrue(run.err.contains("\(name) \(expected)") && run.err.contains("'\(value)'"), run.err)
        }
    }

    /// `aragora eval` end to end on the demo panel: every item under every configuration in results.jsonl, a summary
    /// whose counts match it, and a dataset that cannot be used refused with exit 2.
    func testEvalAnswersEveryItemUnderEveryConfiguration() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try aragora(["eval", "--n", "5", "--configs", "single,majority,debate:1", "--out", dir + "/out", "--json"], dataDir: dir)
        XCTAssertEqual(run.status, 0, run.err)
        let lines = try String(contentsOfFile: dir + "/out/results.jsonl", encoding: .utf8).split(separator: "\n").compactMap { JSONValue.parse(String($0)) }
        XCTAssertEqual(lines.count, 5 * 5, "three single agents, majority and debate:1 for each of 5 items")
        XCTAssertTrue(lines.allSatisfy { $0["extracted"] != nil && $0["debate_id"] != nil }, "every key on every line (null when none)")
        let summary = try XCTUnwrap(JSONValue.parse(run.out))
        let rows = try XCTUnwrap(summary["configurations"]?.arrayValue)
        XCTAssertEqual(rows.compactMap { $0["configuration"]?.stringValue },
                       ["single:demo-skeptic", "single:demo-pragmatist", "single:demo-visionary", "majority", "debate:1"])
        for row in rows {
            let name = row["configuration"]?.stringValue ?? ""
            let correct = lines.filter { $0["configuration"]?.stringValue == name && $0["correct"] == true }.count
            XCTAssertEqual(row["correct"]?.intValue, correct, name)
            XCTAssertEqual(row["total"]?.intValue, 5, name)
        }
        XCTAssertTrue(lines.filter { $0["configuration"] == "debate:1" }.allSatisfy { $0["debate_id"]?.stringValue?.hasPrefix("deb_") == true },
                      "each debate is stored and named")
        let markdown = try String(contentsOfFile: dir + "/out/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("| debate:1 |") && markdown.contains("exact McNemar"), markdown)
        let html = try String(contentsOfFile: dir + "/out/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("debate:1") && !html.contains("<script"), "self-contained, a chart, no script")
        let bad = try aragora(["eval", "--dataset", "builtin:nope"], dataDir: dir)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.err.contains("no such built-in set"), bad.err)
    }

    /// Ctrl-C in the middle keeps every finished answer and a partial report; rerunning with the same --out does only
    /// the rest and ends complete; other terms in the same folder are refused and change nothing.
    func testEvalInterruptedResumesWhereItStopped() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let args = ["eval", "--n", "6", "--configs", "majority,debate:1", "--concurrency", "2", "--out", dir + "/out"]
        let results = dir + "/out/results.jsonl"
        // Demo replies slow enough to be interrupted mid-way.
        let p = try launch(args, env: ["ARAGORA_DEMO_LATENCY_MS": "400"], dataDir: dir, stderr: try errorLog(in: dir))
        defer { if p.isRunning { p.terminate() } }
        func lines() -> [Substring] { ((try? String(contentsOfFile: results, encoding: .utf8)) ?? "").split(separator: "\n") }
        let deadline = Date().addingTimeInterval(120)
        while lines().count < 2 && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(p.isRunning, "still running after two answers")
        p.interrupt()
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let err = try String(contentsOfFile: dir + "/err", encoding: .utf8)
        XCTAssertEqual(p.terminationStatus, 130, err)
        XCTAssertTrue(err.contains("partial: interrupted after"), err)
        let kept = lines()
        XCTAssertGreaterThanOrEqual(kept.count, 2)
        XCTAssertLessThan(kept.count, 12)
        let partial = try XCTUnwrap(JSONValue.parse(String(contentsOfFile: dir + "/out/summary.json", encoding: .utf8)))
        XCTAssertEqual(partial["complete"], false)
        XCTAssertEqual(partial["stopped"], "interrupted")
        XCTAssertEqual(partial["answered"]?.intValue, kept.count)
        XCTAssertTrue(try String(contentsOfFile: dir + "/out/report.md", encoding: .utf8).contains("**Partial:** interrupted after"))

        let other = try aragora(args + ["--seed", "2"], dataDir: dir)
        XCTAssertEqual(other.status, 2)
        XCTAssertTrue(other.err.contains("seed 1 there, 2 here"), other.err)
        XCTAssertEqual(lines(), kept, "a refused rerun changes nothing")

        let rerun = try aragora(args + ["--json"], dataDir: dir)
        XCTAssertEqual(rerun.status, 0, rerun.err)
        XCTAssertTrue(rerun.err.contains("(\(kept.count) resumed)"), rerun.err)
        let all = lines()
        XCTAssertEqual(all.count, 12, "six items under two configurations")
        XCTAssertEqual(Array(all.prefix(kept.count)), kept, "finished answers are kept as they were")
        XCTAssertEqual(Set(all.compactMap { JSONValue.parse(String($0)) }.map { "\($0["item"]!)/\($0["configuration"]!)" }).count, 12,
                       "no answer done twice")
        let summary = try XCTUnwrap(JSONValue.parse(rerun.out))
        XCTAssertEqual(summary["complete"], true)
        XCTAssertEqual(summary["configurations"]?.arrayValue?.compactMap { $0["total"]?.intValue }, [6, 6])
    }

    /// `aragora mcp` with its client still attached (stdin open) and a debate running: SIGTERM stops it promptly, and
    /// the debate is checkpointed in the store as unfinished, for the next `aragora mcp` or `serve` to resume.
    func testMCPStopsOnSIGTERMWithItsClientAttachedAndKeepsTheDebate() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // A debate that lasts well past the signal.
        let input = Pipe()
        let p = try launch(["mcp"], env: ["ARAGORA_DEMO_LATENCY_MS": "2000"], dataDir: dir, stdin: input, stderr: try errorLog(in: dir))
        defer { if p.isRunning { p.terminate() } }
        let messages = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"debate","arguments":{"question":"Tea or coffee for a night shift?"}}}"#,
        ]
        input.fileHandleForWriting.write(Data((messages.joined(separator: "\n") + "\n").utf8))
        func active() throws -> [JSONValue] {
            let run = try aragora(["debates", "--active", "--json"], dataDir: dir)
            return JSONValue.parse(run.out)?["debates"]?.arrayValue ?? []
        }
        let deadline = Date().addingTimeInterval(60)
        while try active().isEmpty && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertEqual(try active().count, 1, "the debate is running")
        p.terminate()  // SIGTERM; stdin stays open
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let err = try String(contentsOfFile: dir + "/err", encoding: .utf8)
        guard !p.isRunning else { return XCTFail("still running after SIGTERM with stdin open: \(err)") }
        XCTAssertEqual(p.terminationReason, .exit, err)
        XCTAssertEqual(p.terminationStatus, 0, err)
        let kept = try active()
        XCTAssertEqual(kept.count, 1, "checkpointed, unfinished, for the next instance to resume")
        XCTAssertEqual(kept.first?["task"], "Tea or coffee for a night shift?")
        try input.fileHandleForWriting.close()
    }

    /// `ARAGORA_LOG_FORMAT=json`: every line on stderr is one JSON object with the message, level and metadata (the
    /// text format is read by every test that starts a server: it finds the port in `address=`).
    func testJSONLogLinesAreObjects() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let err = Pipe()
        let p = try launch(["serve", "--port", "0"], env: ["ARAGORA_LOG_FORMAT": "json"], dataDir: dir, stderr: err)
        defer { p.terminate(); p.waitUntilExit() }
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while !seen.contains("aragora serving") && Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        let lines = seen.split(separator: "\n").filter { $0.contains("aragora serving") || $0.hasSuffix("}") }
        let serving = try XCTUnwrap(lines.compactMap { JSONValue.parse(String($0)) }.first { $0["msg"] == "aragora serving" }, seen)
        XCTAssertEqual(serving["level"], "info")
        XCTAssertEqual(serving["logger"], "aragora")
        XCTAssertTrue(serving["address"]?.stringValue?.hasPrefix("127.0.0.1:") == true, "\(serving)")
        XCTAssertNotNil(serving["ts"]?.stringValue)
        for line in seen.split(separator: "\n") where line.contains("aragora serving") || line.contains("database migrated") {
            XCTAssertNotNil(JSONValue.parse(String(line))?.objectValue, "one object per line: \(line)")
        }
    }
}

