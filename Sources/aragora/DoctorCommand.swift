import AragoraDebates
import AragoraAWS
import AragoraCore
import AragoraProviders
import AragoraRedis
import AragoraServer
import AragoraStore
import ArgumentParser
import Foundation
import Logging

/// `aragora doctor`: checks what the service needs, says what is wrong and how to fix it, and exits 1 when
/// something essential fails (configuration, secrets, database and its schema, data directory, disk).
/// Redis and providers only warn: the service runs without them.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check configuration, secrets, the receipt key, database, Redis, providers, disk and data directory.")

    enum Outcome { case ok, warning, failure }

    struct Report {
        var failed = false
        mutating func line(_ outcome: Outcome, _ part: String, _ text: String, fix: String? = nil) {
            let mark = switch outcome {
            case .ok: "ok  "
            case .warning: "warn"
            case .failure: "FAIL"
            }
            print("\(mark)  \(part): \(text)")
            if let fix { print("      fix: \(fix)") }
            if outcome == .failure { failed = true }
        }
    }

    func run() async throws {
        var report = Report()
        let base = ProcessInfo.processInfo.environment
        var environment = base
        let secrets: Bool
        do { secrets = try ConfigurationLoader.secretsManagerEnabled(base) } catch {
            report.line(.failure, "secrets", "\(error)", fix: "set ARAGORA_USE_SECRETS_MANAGER to true or false")
            secrets = false
        }
        if secrets {
            do {
                let resolved = try await SecretEnvironment.resolve(base, enabled: true)
                environment = resolved.environment
                report.line(.ok, "secrets", "read \(resolved.fromSecret.count) keys from Secrets Manager (\(resolved.fromSecret.joined(separator: ", ")))")
            } catch {
                report.line(.failure, "secrets", "\(error)",
                            fix: "check ARAGORA_SECRET_NAME, AWS_REGION and the instance role's secretsmanager:GetSecretValue permission")
            }
        } else {
            report.line(.ok, "secrets", "from the environment (ARAGORA_USE_SECRETS_MANAGER is off)")
        }
        let config: ServerConfiguration
        do { config = try ServerConfiguration(environment: environment) } catch {
            report.line(.failure, "configuration", "\(error)", fix: "correct the variable named above")
            throw CLIExit(code: 1)
        }
        report.line(.ok, "configuration", "environment \(config.environment), instance \(config.instanceID), port \(config.port)")
        if config.isProduction && config.apiToken == nil {
            report.line(.failure, "auth", "ARAGORA_ENV=production without ARAGORA_API_TOKEN: the server will refuse to start",
                        fix: "set ARAGORA_API_TOKEN (a long random secret) in env.conf or the secret")
        } else {
            report.line(.ok, "auth", config.apiToken == nil ? "off (development)" : "on")
        }
        checkDataDirectory(config, &report)
        checkReceiptKey(config, &report)
        await checkDatabase(config, &report)
        await checkRedis(config, &report)
        checkProviders(config, environment, &report)
        if report.failed {
            print("\nsomething essential failed: see FAIL above")
            throw CLIExit(code: 1)
        }
        print("\nready to serve")
    }

    func checkDataDirectory(_ config: ServerConfiguration, _ report: inout Report) {
        let dir = config.dataDirectory.path
        let probe = config.dataDirectory.appendingPathComponent(".doctor-\(getpid())")
        do {
            try FileManager.default.createDirectory(at: config.dataDirectory, withIntermediateDirectories: true)
            try Data("ok".utf8).write(to: probe)
            try FileManager.default.removeItem(at: probe)
            report.line(.ok, "data directory", "\(dir) is writable")
        } catch {
            report.line(.failure, "data directory", "\(dir) is not writable (\(error.localizedDescription))",
                        fix: "sudo chown -R aragora:aragora \(dir), or set ARAGORA_DATA_DIR")
        }
        var fs = statvfs()
        if statvfs(dir, &fs) == 0 {
            let free = Double(fs.f_bavail) * Double(fs.f_frsize)
            let gib = free / 1_073_741_824
            let text = String(format: "%.1f GiB free under %@", gib, dir)
            if free < 100 * 1_048_576 {
                report.line(.failure, "disk", text, fix: "free space: writes fail with 507 when the disk is full")
            } else if gib < 1 {
                report.line(.warning, "disk", text, fix: "less than 1 GiB left")
            } else {
                report.line(.ok, "disk", text)
            }
        }
    }

    /// The same check `serve` and `ask` make, without creating a key.
    func checkReceiptKey(_ config: ServerConfiguration, _ report: inout Report) {
        do {
            if let signer = try ReceiptSigner.existing(environmentKey: config.receiptKey, directory: config.dataDirectory) {
                let source = config.receiptKey == nil ? config.dataDirectory.appendingPathComponent("receipt_key").path : "ARAGORA_RECEIPT_KEY"
                report.line(.ok, "receipt key", "\(source), public key \(signer.publicKeyHex)")
            } else {
                report.line(.ok, "receipt key", "none yet: the first start creates \(config.dataDirectory.appendingPathComponent("receipt_key").path)")
            }
        } catch {
            report.line(.failure, "receipt key", "\(error)", fix: "the server refuses to start until the key is readable")
        }
    }

    func checkDatabase(_ config: ServerConfiguration, _ report: inout Report) async {
        let store: any DebateStore
        do { store = try await config.database.open(logger: Logger(label: "aragora.doctor")) } catch {
            report.line(.failure, "database", "cannot open \(config.database): \(error)",
                        fix: "check DATABASE_URL (host, port, user, password, sslmode) and that the database accepts connections")
            return
        }
        await check(store, config, &report)
        try? await store.close()
    }

    func check(_ store: any DebateStore, _ config: ServerConfiguration, _ report: inout Report) async {
        do {
            let started = ContinuousClock.now
            try await store.ping()
            let ms = (ContinuousClock.now - started).seconds * 1000
            report.line(.ok, "database", "\(config.database) answers (\(String(format: "%.1f", ms)) ms)")
            let state = try await store.migrationState()
            if state.pending.isEmpty {
                report.line(.ok, "schema", "version \(state.applied.max() ?? 0), nothing pending")
            } else {
                // `aragora serve` applies them when it starts; saying so is enough.
                report.line(.warning, "schema", "migrations \(state.pending.map(String.init).joined(separator: ", ")) are pending "
                            + "(the next start applies them)", fix: "aragora db migrate")
            }
        } catch {
            report.line(.failure, "database", "\(config.database): \(error)", fix: "check that the database (and its pooler) is up")
        }
    }

    func checkRedis(_ config: ServerConfiguration, _ report: inout Report) async {
        guard let url = config.redis else {
            report.line(.ok, "redis", "not configured (one instance: local rate limits and events)")
            return
        }
        let client = RedisClient(url: url)
        defer { client.close() }
        do {
            let rtt = try await client.ping()
            report.line(.ok, "redis", "\(url) answers PING (\(String(format: "%.1f", rtt.seconds * 1000)) ms)")
        } catch {
            report.line(.warning, "redis", "\(url): \(error); the service would run degraded (local rate limits, events by polling)",
                        fix: "check REDIS_URL, its password, and ARAGORA_REDIS_CA_FILE for a private CA")
        }
    }

    func checkProviders(_ config: ServerConfiguration, _ environment: [String: String], _ report: inout Report) {
        do {
            let factory = try ProviderAgents.factory(config: config, metrics: ServiceMetrics(), environment: environment)
            let configured = factory.listings.filter(\.configured).map { "\($0.provider) (\($0.defaultModel))" }
            if configured.isEmpty {
                report.line(.warning, "providers", "no LLM provider configured: debates use the offline demo agents",
                            fix: "set a key such as ANTHROPIC_API_KEY or OPENAI_API_KEY (see aragora agents)")
            } else {
                report.line(.ok, "providers", configured.joined(separator: ", "))
            }
        } catch {
            report.line(.failure, "providers", "\(error)", fix: "correct the variable named above")
        }
    }
}
