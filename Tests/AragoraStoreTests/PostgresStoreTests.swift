import AragoraCore
@testable import AragoraStore
import AragoraTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite("PostgreSQL location and migrations")
struct PostgresStoreTests {
    @Test func databaseURLsAreParsedLikeLibpq() throws {
        guard case .postgres(let l) = try DatabaseLocation.parse(
            "postgresql://app%40x:p%3Ass@[::1]:6543/aragora?sslmode=verify-full&sslrootcert=/etc/ca.pem", defaultSQLitePath: "")
        else { Issue.record("not postgres"); return }
        #expect(l.host == "::1" && l.port == 6543 && l.user == "app@x" && l.password == "p:ss" && l.database == "aragora")
        #expect(l.sslMode == .verifyFull && l.sslRootCert == "/etc/ca.pem")
        #expect(!l.description.contains("p:ss"), "no password in what is logged")
        guard case .postgres(let d) = try DatabaseLocation.parse("postgres://u@db.example.com", defaultSQLitePath: "") else { return }
        #expect(d.port == 5432 && d.database == "u" && d.sslMode == .prefer && d.password == nil)
        for bad in ["postgres://db.example.com/x", "postgres://u:p@h/x?sslmode=maybe", "postgres://u:p@h/x?sslrootcert=/ca.pem",
                    "postgres://u:p@h/x?application_name=y"] {
            #expect(throws: DatabaseURLError.self, "\(bad)") { _ = try DatabaseLocation.parse(bad, defaultSQLitePath: "") }
        }
    }

    /// Instances starting together migrate once: the advisory lock is transaction-scoped, so it also works
    /// through the transaction pooler.
    @Test(arguments: [StoreKind.postgres, .pgbouncer].filter(StoreKind.available.contains))
    func concurrentMigrationsApplyEachVersionOnce(_ kind: StoreKind) async throws {
        let url = try TestServices.url(kind.serviceURL, named: kind.rawValue)
        let database = try await TestServices.freshDatabase()
        guard case .postgres(var location) = try DatabaseLocation.parse(url, defaultSQLitePath: "") else { return }
        location.database = database
        let stores = try (0..<4).map { _ in try PostgresDebateStore(location: location) }
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for store in stores { group.addTask { try await store.migrate() } }
            return try await group.reduce(into: [[Int]]()) { $0.append($1) }
        }
        #expect(applied.flatMap { $0 }.sorted() == PostgresMigrations.all.map(\.version), "each version applied by exactly one")
        let state = try await stores[0].migrationState()
        #expect(state.pending.isEmpty && state.applied == PostgresMigrations.all.map(\.version))
        for store in stores { try await store.close() }
    }

    /// A server that accepts and never answers (a pooler waiting for its server does this for minutes).
    @Test func aSilentServerIsUnavailableWithinTheTimeout() async throws {
        let (listener, port) = Loopback.bind(listen: true)
        defer { close(listener) }
        guard case .postgres(let location) = try DatabaseLocation.parse(
            "postgres://u:p@127.0.0.1:\(port)/x?sslmode=disable", defaultSQLitePath: "", operationTimeout: 0.5) else { return }
        let store = try PostgresDebateStore(location: location)
        let start = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await store.ping() }
        await #expect(throws: StoreError.self) { _ = try await store.list(limit: 1, offset: 0, status: nil) }
        #expect(ContinuousClock.now - start < .seconds(3), "each answered within the operation timeout")
        try await store.close()
    }

    /// A refused password is reported as such, directly and through PgBouncer, not as a timeout.
    @Test(arguments: [StoreKind.postgres, .pgbouncer].filter(StoreKind.available.contains))
    func aRefusedPasswordSaysSo(_ kind: StoreKind) async throws {
        let url = try TestServices.url(kind.serviceURL, named: kind.rawValue).replacingOccurrences(of: "aragora-test-password", with: "not-it")
        guard case .postgres(let location) = try DatabaseLocation.parse(url, defaultSQLitePath: "", operationTimeout: 1) else { return }
        let store = try PostgresDebateStore(location: location)
        do {
            try await store.ping()
            Issue.record("a wrong password was accepted")
        } catch {
            #expect("\(error)".contains("postgres refused the connection:"), "\(error)")
            #expect("\(error)".contains("authentication failed"), "\(error)")
            #expect(!"\(error)".contains("not-it"))
        }
        try await store.close()
    }

    @Test func anUnreachableServerIsUnavailableNotACrash() async throws {
        guard case .postgres(let location) = try DatabaseLocation.parse(
            "postgres://u:p@127.0.0.1:1/x?sslmode=disable", defaultSQLitePath: "", operationTimeout: 0.5) else { return }
        let store = try PostgresDebateStore(location: location)
        let start = ContinuousClock.now
        do {
            try await store.ping()
            Issue.record("an unreachable server answered")
        } catch {
            #expect("\(error)".contains("nothing accepts connections at 127.0.0.1:1"), "\(error)")
        }
        await #expect(throws: StoreError.self) { _ = try await store.create(DebateStoreConformance.record("deb_x"), owner: "i", leaseSeconds: 5) }
        #expect(ContinuousClock.now - start < .seconds(3), "answered within the operation timeout")
        try await store.close()
    }
}
